import { type ConnectorError, configError } from "../errors.js";
import { socketError, sqlErrors } from "../../sql/sqlErrors.js";
import type { MssqlConfig } from "./config.js";
import { DOWNGRADE_CODE } from "./preloginGuard.js";

/**
 * mssql's errors → Pacer's typed errors. mssql raises ConnectionError (`code` ELOGIN, ESOCKET,
 * ETIMEOUT, …, the tedious error as `originalError`) and RequestError (`code` EREQUEST with SQL
 * Server's error `number`, `lineNumber`, `class`; ETIMEOUT when requestTimeout passed; ECANCEL when
 * cancelled). Numbers: https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors
 */
const ENGINE = "SQL Server";

interface MssqlErrorShape {
  name?: string;
  code?: string;
  number?: number;
  lineNumber?: number;
  message?: string;
  originalError?: MssqlErrorShape;
  cause?: unknown;
  errors?: unknown[];
  /** SQL Server error numbers seen during a failed login (session.ts collects them). */
  loginErrors?: number[];
}

const sentence = (text: string) => text.replace(/\s+/g, " ").replace(/[.\s]+$/, "");

export function mssqlError(thrown: unknown, config: MssqlConfig, where: string, timeoutSeconds: number, queryLineOffset: number): ConnectorError {
  const e = (thrown ?? {}) as MssqlErrorShape;
  const message = sentence(e.message ?? String(thrown));
  const downgrade = withCode(e, DOWNGRADE_CODE);
  if (downgrade) return sqlErrors.tls(ENGINE, sentence(downgrade.message ?? ""), thrown);
  if (e.name === "ConnectionError") {
    if (e.code === "ELOGIN") {
      if (e.loginErrors?.includes(4060) || /Cannot open database/i.test(message)) return sqlErrors.unknownDatabase(ENGINE, config.database, thrown);
      return sqlErrors.authentication(ENGINE, config.user, message, thrown);
    }
    if (e.code === "ETIMEOUT") return sqlErrors.connectTimeout(ENGINE, where, config.connectTimeoutSeconds, thrown);
    const socket = deepestCoded(e);
    return socketError(ENGINE, where, config.host, socket ?? { message }) ?? sqlErrors.cannotConnect(ENGINE, where, message, thrown);
  }
  if (e.code === "ETIMEOUT" || e.code === "ECANCEL") return sqlErrors.timeout(ENGINE, timeoutSeconds, thrown);
  switch (e.number) {
    case 229: // The SELECT permission was denied on the object 'X', database 'Y', schema 'Z'.
    case 230: // … permission was denied on the column …
    case 262: // CREATE … permission denied in database …
    case 297: // The user does not have permission to perform this action.
      return sqlErrors.permission(ENGINE, message, thrown);
    case 102: // Incorrect syntax near 'X'.
    case 156: // Incorrect syntax near the keyword 'X'.
    case 105: // Unclosed quotation mark after the character string …
      return sqlErrors.syntax(ENGINE, message, queryLine(e.lineNumber, queryLineOffset), thrown);
    case 207: // Invalid column name 'X'.
    case 208: // Invalid object name 'X'.
    case 2812: // Could not find stored procedure 'X'.
      return sqlErrors.notFound(ENGINE, message, thrown);
    case 4060:
      return sqlErrors.unknownDatabase(ENGINE, config.database, thrown);
    case 3906: // Failed to update database "X" because the database is read-only.
      return sqlErrors.readOnly(ENGINE, message, thrown);
    case 201: // Procedure or function 'X' expects parameter '@p', which was not supplied.
    case 8144: // Procedure or function X has too many arguments specified.
      return configError(`${ENGINE} cannot run the procedure: ${message}.`, thrown);
  }
  const socket = deepestCoded(e);
  if (socket) return socketError(ENGINE, where, config.host, socket) ?? sqlErrors.server(ENGINE, message, thrown);
  return sqlErrors.server(ENGINE, message, thrown);
}

/** SQL Server counts lines from the start of the batch; Pacer's batch puts its own setup on line 1. */
function queryLine(lineNumber: number | undefined, offset: number): string | null {
  if (typeof lineNumber !== "number") return null;
  const line = lineNumber - offset;
  return line >= 1 ? `line ${line}` : null;
}

/** The error with `code` under mssql's and tedious's wrappers (the guards' refusal comes wrapped as ESOCKET). */
function withCode(error: unknown, code: string, depth = 0): MssqlErrorShape | null {
  const e = error as MssqlErrorShape | undefined;
  if (!e || typeof e !== "object" || depth > 6) return null;
  if (e.code === code) return e;
  for (const inner of [e.originalError, e.cause, ...(e.errors ?? [])]) {
    const found = withCode(inner, code, depth + 1);
    if (found) return found;
  }
  return null;
}

/** The socket or TLS error under mssql's and tedious's wrappers (tedious nests it in an AggregateError). */
function deepestCoded(error: unknown, depth = 0): { code: string; message: string } | null {
  const e = error as MssqlErrorShape | undefined;
  if (!e || typeof e !== "object" || depth > 6) return null;
  for (const inner of [e.originalError, e.cause, ...(e.errors ?? [])]) {
    const found = deepestCoded(inner, depth + 1);
    if (found) return found;
  }
  if (typeof e.code === "string" && /^E[A-Z_]+$/.test(e.code) && !["ESOCKET", "EREQUEST", "ELOGIN"].includes(e.code)) return { code: e.code, message: e.message ?? "" };
  if (e.message && /certificate|self[- ]signed|SSL|TLS/i.test(e.message)) return { code: e.code ?? "", message: e.message };
  return null;
}
