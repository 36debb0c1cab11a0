import { ConnectorError } from "../connectors/errors.js";
import { SERVER_WITHOUT_TLS, type SqlErrorContext, sqlErrors, socketError } from "./sqlErrors.js";
import { lineAndColumn } from "./statement.js";

/**
 * What PostgreSQL (and Redshift, which speaks its protocol) and the `pg` driver throw → the
 * shared SQL errors, by SQLSTATE where the server answered, else by the driver's own failure.
 */
export interface PgErrorContext extends SqlErrorContext {
  /** The query as sent, to turn the server's character position into a line and column. */
  query?: string;
}

interface PgDatabaseError {
  code?: string;
  message: string;
  position?: string;
}

export function pgError(error: unknown, at: PgErrorContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const { engine } = at;
  const db = error as PgDatabaseError;
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof db?.code === "string" && /^[0-9A-Z]{5}$/.test(db.code) ? db.code : null;
  if (code) {
    // pg_hba.conf refuses a login that lacks TLS where the server demands it.
    if (code === "28000" && /no encryption/i.test(message)) return sqlErrors.tls(engine, `the server requires TLS (${message})`, error);
    if (code === "28P01" || code === "28000") return sqlErrors.authentication(engine, at.user, message, error);
    if (code === "3D000") return sqlErrors.unknownDatabase(engine, at.database, error);
    if (code === "42501") return sqlErrors.permission(engine, message, error);
    if (code === "42P01" || code === "42703" || code === "42883" || code === "3F000") return sqlErrors.notFound(engine, message, error);
    if (code === "25006") return sqlErrors.readOnly(engine, message, error);
    if (code === "57014") return sqlErrors.timeout(engine, Math.round(at.timeoutMs / 1000), error);
    if (code.startsWith("42") || code.startsWith("22")) {
      const offset = Number(db.position) - 1;
      const position = at.query && Number.isInteger(offset) && offset >= 0 ? lineAndColumn(at.query, offset) : null;
      return sqlErrors.syntax(engine, message, position, error);
    }
    if (code.startsWith("08") || code.startsWith("57P") || code === "53300") return sqlErrors.cannotConnect(engine, at.where, message, error);
    return sqlErrors.server(engine, `${message} (SQLSTATE ${code})`, error);
  }
  if (/does not support SSL/i.test(message)) return sqlErrors.tls(engine, SERVER_WITHOUT_TLS, error);
  if (/timeout expired|connection timeout/i.test(message)) return sqlErrors.connectTimeout(engine, at.where, at.connectTimeoutSeconds, error);
  if (/Query read timeout/.test(message)) return sqlErrors.timeout(engine, Math.round(at.timeoutMs / 1000), error);
  return socketError(engine, at.where, at.host, error) ?? sqlErrors.cannotConnect(engine, at.where, message, error);
}
