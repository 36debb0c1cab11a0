import { type ConnectorError, authError, configError, parseRetryAfter, rateLimitedError } from "../errors.js";
import { socketError, sqlErrors } from "../../sql/sqlErrors.js";
import type { SnowflakeConfig } from "./config.js";

/**
 * snowflake-sdk's errors → Pacer's typed errors. The SDK raises `OperationFailedError` with
 * Snowflake's own error code (a string such as "002003") and the server's `data` (line, pos,
 * sqlState); `RequestFailedError` (code 401002) with the HTTP `response`; `NetworkError` (401001)
 * with the socket error as `cause`. Codes: https://docs.snowflake.com/en/user-guide/client-connectivity-troubleshooting/error-messages
 * and the SDK's lib/constants/error_messages.js.
 */
const ENGINE = "Snowflake";

interface SnowflakeSdkError {
  name?: string;
  code?: string | number;
  message?: string;
  data?: { line?: number; pos?: number; errorCode?: string } | null;
  response?: { status?: number; statusCode?: number; headers?: Record<string, string | undefined> };
  cause?: unknown;
}

export function snowflakeError(error: unknown, config: SnowflakeConfig, where: string, timeoutSeconds: number): ConnectorError {
  const e = (error ?? {}) as SnowflakeSdkError;
  const code = String(e.code ?? "");
  // Without its final period: the shared wording adds its own sentence after it.
  const message = (e.message ?? String(error)).replace(/\s+/g, " ").replace(/[.\s]+$/, "");
  switch (code) {
    case "390100": // Incorrect username or password was specified.
    case "390101": // User temporarily locked
    case "390102": // User disabled
    case "390144": // JWT token is invalid.
    case "394304": // public key fingerprint mismatch
      return sqlErrors.authentication(ENGINE, config.user, message, error);
    case "390422": // IP not allowed by a network policy
      return authError(`Snowflake refused the sign-in of ${config.user} from this address: ${message}. Allow Pacer's outbound IP in the network policy.`, error);
    case "390189": // Role 'X' specified in the connect string is not granted to this user.
    case "390190": // warehouse does not exist or not authorized
    case "390201": // database does not exist or not authorized
      return configError(`Snowflake refused the session settings: ${message}. Check the connection's role, warehouse and database.`, error);
    case "000606": // No active warehouse selected in the current session.
      return configError(`Snowflake has no active warehouse for this query (${message}). Check that the warehouse ${config.warehouse} exists and the role ${config.role} has USAGE on it.`, error);
    case "002003": // SQL compilation error: Object 'X' does not exist or not authorized.
    case "002043":
      return sqlErrors.permission(ENGINE, message, error);
    case "000904": // invalid identifier 'X'
      return sqlErrors.notFound(ENGINE, message, error);
    case "001003": // SQL compilation error: syntax error line L at position P unexpected 'X'.
      return sqlErrors.syntax(ENGINE, message, syntaxPosition(e), error);
    case "000630": // Statement reached its statement or warehouse timeout of N second(s) and was canceled.
    case "000604": // SQL execution canceled
      return sqlErrors.timeout(ENGINE, timeoutSeconds, error);
    case "000008": // Actual statement count N did not match the desired statement count 1.
      return configError(`Snowflake refused more than one statement: ${message}`, error);
  }
  const status = e.response?.status ?? e.response?.statusCode;
  if (status !== undefined) {
    const retryAfter = parseRetryAfter(e.response?.headers?.["retry-after"]);
    if (status === 429 || (status === 503 && retryAfter !== undefined)) return rateLimitedError(`Snowflake is rate limiting Pacer (HTTP ${status}).`, retryAfter);
    if (status === 401 || status === 403) return sqlErrors.authentication(ENGINE, config.user, `HTTP ${status}`, error);
    return sqlErrors.server(ENGINE, `HTTP ${status}`, error);
  }
  if (e.name === "NetworkError" || e.cause) {
    const host = new URL(where).hostname;
    return socketError(ENGINE, where, host, e.cause ?? error) ?? sqlErrors.cannotConnect(ENGINE, where, message, error);
  }
  if (/^\d{6}$/.test(code) && /compilation error/i.test(message)) return sqlErrors.syntax(ENGINE, message, syntaxPosition(e), error);
  return sqlErrors.server(ENGINE, message, error);
}

function syntaxPosition(e: SnowflakeSdkError): string | null {
  const { line, pos } = e.data ?? {};
  if (typeof line === "number" && line >= 0 && typeof pos === "number" && pos >= 0) return `line ${line}, position ${pos}`;
  const match = /line (\d+) at position (\d+)/.exec(e.message ?? "");
  return match ? `line ${match[1]}, position ${match[2]}` : null;
}
