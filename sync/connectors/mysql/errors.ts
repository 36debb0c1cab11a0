import { ConnectorError } from "../errors.js";
import { SERVER_WITHOUT_TLS, type SqlErrorContext, sqlErrors, socketError } from "../../sql/sqlErrors.js";

const TIMEOUT = new Set([3024 /* MySQL ER_QUERY_TIMEOUT */, 1969 /* MariaDB ER_STATEMENT_TIMEOUT */, 1317 /* ER_QUERY_INTERRUPTED */]);
const PERMISSION = new Set([1142 /* table */, 1143 /* column */, 1227 /* needs a privilege */, 1370 /* routine */]);
const NOT_FOUND = new Set([1146 /* table */, 1054 /* column */, 1305 /* function */, 1109 /* unknown table in a clause */]);

/** What MySQL, MariaDB and mysql2 throw → the shared SQL errors, by server error number or driver code. */
export function mysqlError(error: unknown, at: SqlErrorContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const { engine } = at;
  const { errno, code } = (error ?? {}) as { errno?: number; code?: string; sqlMessage?: string };
  const message = (error as { sqlMessage?: string })?.sqlMessage ?? (error instanceof Error ? error.message : String(error));
  if (code === "HANDSHAKE_NO_SSL_SUPPORT") return sqlErrors.tls(engine, SERVER_WITHOUT_TLS, error);
  if (code === "PROTOCOL_SEQUENCE_TIMEOUT") return sqlErrors.timeout(engine, Math.round(at.timeoutMs / 1000), error);
  if (typeof errno === "number" && code !== "ETIMEDOUT" && !/^E[A-Z]+$/.test(code ?? "")) {
    if (errno === 1045 || errno === 1698) return sqlErrors.authentication(engine, at.user, message, error);
    if (errno === 1049 || errno === 1044) return sqlErrors.unknownDatabase(engine, at.database, error);
    if (PERMISSION.has(errno)) return sqlErrors.permission(engine, message, error);
    if (NOT_FOUND.has(errno)) return sqlErrors.notFound(engine, message, error);
    if (errno === 1792) return sqlErrors.readOnly(engine, message, error);
    if (TIMEOUT.has(errno)) return sqlErrors.timeout(engine, Math.round(at.timeoutMs / 1000), error);
    // MySQL puts the place in the message ("… near 'WHERE' at line 3").
    if (errno === 1064 || errno === 1149) return sqlErrors.syntax(engine, message, null, error);
    if (errno === 1040 || errno === 1203 || errno === 1129) return sqlErrors.cannotConnect(engine, at.where, message, error);
    if (errno >= 1000 && errno < 5000 && errno !== 2013 && errno !== 2006) return sqlErrors.server(engine, `${message} (error ${errno})`, error);
  }
  if (code === "ETIMEDOUT" && /connect/i.test(message)) return sqlErrors.connectTimeout(engine, at.where, at.connectTimeoutSeconds, error);
  return socketError(engine, at.where, at.host, error) ?? sqlErrors.cannotConnect(engine, at.where, message, error);
}
