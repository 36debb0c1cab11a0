import { type ConnectorError, authError, configError, transientError } from "../connectors/errors.js";

/**
 * The errors every SQL connector reports, worded once so PostgreSQL, MySQL, MS SQL, Snowflake and
 * Kusto say the same thing for the same problem. Each driver maps its own codes onto these.
 * Messages never carry the password or the query text (which may hold literals people consider
 * private); they may carry the server's own message, trimmed.
 */
/** What an error message may name about the connection (never its password), shared by the SQL-server connectors. */
export interface SqlErrorContext {
  engine: string;
  where: string;
  host: string;
  user: string;
  database: string;
  connectTimeoutSeconds: number;
  timeoutMs: number;
}

export function sqlErrorContext(
  engine: string,
  where: string,
  config: { host: string; user: string; database: string; connectTimeoutSeconds: number },
  timeoutMs: number,
): SqlErrorContext {
  return { engine, where, host: config.host, user: config.user, database: config.database, connectTimeoutSeconds: config.connectTimeoutSeconds, timeoutMs };
}

/** The reason given when the server refuses TLS that the connection's mode requires. */
export const SERVER_WITHOUT_TLS = "the server does not accept TLS connections, but this connection requires TLS";

const trim = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…` : text);

export const sqlErrors = {
  cannotConnect: (engine: string, where: string, reason: string, cause?: unknown) =>
    transientError(`Cannot connect to ${engine} at ${where}: ${trim(reason)}`, cause),
  connectTimeout: (engine: string, where: string, seconds: number, cause?: unknown) =>
    transientError(`${engine} at ${where} did not accept a connection within ${seconds} s.`, cause),
  unknownHost: (engine: string, host: string, cause?: unknown) => configError(`The host name ${host} of this ${engine} connection does not resolve.`, cause),
  tls: (engine: string, reason: string, cause?: unknown) =>
    configError(`TLS with ${engine} failed: ${trim(reason)}. Check the connection's TLS mode and CA certificate.`, cause),
  authentication: (engine: string, user: string, reason?: string, cause?: unknown) =>
    authError(`${engine} refused the login ${user}${reason ? `: ${trim(reason)}` : ""}. Check the user name and password.`, cause),
  unknownDatabase: (engine: string, database: string, cause?: unknown) => configError(`${engine} has no database ${database} (or this login may not use it).`, cause),
  permission: (engine: string, reason: string, cause?: unknown) =>
    configError(`Permission denied by ${engine}: ${trim(reason)}. Grant the connection's login SELECT on what the query reads.`, cause),
  syntax: (engine: string, reason: string, position: string | null, cause?: unknown) =>
    configError(`${engine} cannot run the query: ${trim(reason)}${position ? ` (at ${position})` : ""}.`, cause),
  notFound: (engine: string, reason: string, cause?: unknown) => configError(`${engine}: ${trim(reason)}. Check the table and column names.`, cause),
  readOnly: (engine: string, reason: string, cause?: unknown) =>
    configError(`${engine} refused a change: ${trim(reason)}. Pacer runs queries read-only; use a SELECT.`, cause),
  timeout: (engine: string, seconds: number, cause?: unknown) =>
    transientError(`The query ran longer than the ${seconds} s statement timeout and ${engine} cancelled it. Make it cheaper, or raise the timeout on the connection.`, cause),
  server: (engine: string, reason: string, cause?: unknown) => transientError(`${engine} failed: ${trim(reason)}`, cause),
} satisfies Record<string, (...args: never[]) => ConnectorError>;

/** The network-level failures every driver surfaces as Node socket errors. */
export function socketError(engine: string, where: string, host: string, error: unknown): ConnectorError | null {
  const code = (error as { code?: string } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return sqlErrors.unknownHost(engine, host, error);
  if (code === "ECONNREFUSED") return sqlErrors.cannotConnect(engine, where, "the server refused the connection (is it running, and is the port right?)", error);
  if (code === "ECONNRESET" || code === "EPIPE") return sqlErrors.cannotConnect(engine, where, "the connection was reset", error);
  if (code === "ETIMEDOUT" || code === "ENETUNREACH" || code === "EHOSTUNREACH") return sqlErrors.cannotConnect(engine, where, `the network did not reach it (${code})`, error);
  if (/certificate|self[- ]signed|SSL|TLS|altnames|DEPTH_ZERO|UNABLE_TO_VERIFY/i.test(`${code ?? ""} ${message}`)) return sqlErrors.tls(engine, message, error);
  return null;
}
