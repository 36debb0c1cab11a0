import { type ConnectorError, authError, configError, parseRetryAfter, rateLimitedError } from "../errors.js";
import { socketError, sqlErrors } from "../../sql/sqlErrors.js";
import type { KustoConfig } from "./config.js";

/**
 * Kusto's and Entra's errors → Pacer's typed errors.
 *
 * - Kusto answers a failed request with HTTP 4xx/5xx and a OneApi error body
 *   (`{ error: { code, message, "@type", "@message", "@line", "@pos", … } }`), and a query that
 *   fails while streaming with `DataSetCompletion.OneApiErrors` (same `error` objects):
 *   https://learn.microsoft.com/kusto/api/rest/response-v2 and …/rest/response#oneapi-errors.
 * - Sign-in failures come from @azure/identity inside azure-kusto-data's KustoAuthenticationError,
 *   carrying Entra's AADSTS code (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
 */
const ENGINE = "Azure Data Explorer";
const trim = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…` : text);

export interface OneApiError {
  code?: string;
  message?: string;
  "@type"?: string;
  "@message"?: string;
  "@errorCode"?: string;
  "@line"?: string | number;
  "@pos"?: string | number;
}

/** A OneApi error object (from an HTTP error body or a DataSetCompletion) → a typed error. */
export function oneApiError(error: OneApiError, config: KustoConfig, timeoutSeconds: number, status?: number): ConnectorError {
  const type = error["@type"] ?? "";
  const message = (error["@message"] ?? error.message ?? error.code ?? "unknown error")
    .replace(/\s+/g, " ")
    .replace(/^Request is invalid and cannot be (?:processed|executed)\.?:?\s*/i, "")
    .replace(/[.\s]+$/, "");
  const code = error.code ?? "";
  if (/Timeout/i.test(`${type} ${code}`) || /\b(request execution timeout|timed out|timeout expired)\b/i.test(message)) return sqlErrors.timeout(ENGINE, timeoutSeconds, error);
  if (/SyntaxException/.test(type) || /\bSyntax error\b/i.test(message)) return sqlErrors.syntax(ENGINE, message, position(error), error);
  if (/SemanticException/.test(type) || /\bSemantic error\b/i.test(message)) {
    if (/failed to resolve (table|column|scalar|entity)|not found|does not refer to any known/i.test(message)) return sqlErrors.notFound(ENGINE, message, error);
    return sqlErrors.syntax(ENGINE, message, position(error), error);
  }
  if (/Unauthorized|Forbidden|Principal .* is not authorized/i.test(`${type} ${code} ${message}`) || status === 403) {
    return configError(`Permission denied by ${ENGINE}: ${trim(message)}. Give the app ${config.clientId} the viewer role on database ${config.database}.`, error);
  }
  if (/EntityNotFound|DatabaseNotFound|database .* (does not exist|not found)/i.test(`${type} ${code} ${message}`)) return sqlErrors.unknownDatabase(ENGINE, config.database, error);
  if (/read-?only|ReadOnly|not allowed in read-only/i.test(`${type} ${message}`)) return sqlErrors.readOnly(ENGINE, message, error);
  if (/E_QUERY_RESULT_SET_TOO_LARGE|80DA0003|exceeded the allowed limits/i.test(message)) return configError(`${ENGINE} refused the query: ${trim(message)}. Aggregate it to one number (e.g. | count).`, error);
  if (status !== undefined && status >= 400 && status < 500) return configError(`${ENGINE} refused the query: ${trim(message)}`, error);
  return sqlErrors.server(ENGINE, message, error);
}

function position(error: OneApiError): string | null {
  const line = Number(error["@line"]);
  const pos = Number(error["@pos"]);
  if (Number.isInteger(line) && line > 0 && Number.isInteger(pos) && pos >= 0) return `line ${line}, position ${pos}`;
  const inText = /\[line:position=(\d+):(\d+)\]/.exec(error["@message"] ?? error.message ?? "");
  return inText ? `line ${inText[1]}, position ${inText[2]}` : null;
}

interface ThrownShape {
  name?: string;
  message?: string;
  code?: string;
  inner?: ThrownShape & { errorResponse?: { error?: string; errorDescription?: string } };
  cause?: unknown;
  response?: { status?: number; headers?: Record<string, string | undefined> | { get?(name: string): unknown }; data?: unknown };
}

/** Anything azure-kusto-data or @azure/identity threw → a typed error. */
export function kustoError(thrown: unknown, config: KustoConfig, timeoutSeconds: number): ConnectorError {
  const e = (thrown ?? {}) as ThrownShape;
  const message = e.message ?? String(thrown);
  if (e.name === "KustoAuthenticationError") return signInError(e.inner ?? e, config, thrown);
  if (/not trusted/i.test(message)) return configError(`${trim(message)} Use the cluster's own query URI.`, thrown);
  const response = e.name === "ThrottlingError" ? e.inner?.response : e.response;
  const status = response?.status;
  if (status !== undefined) {
    const retryAfter = parseRetryAfter(header(response?.headers, "retry-after"));
    if (status === 429 || (status === 503 && retryAfter !== undefined)) return rateLimitedError(`${ENGINE} is throttling Pacer (HTTP ${status}).`, retryAfter);
    if (status === 401) return authError(`${ENGINE} refused the app ${config.clientId}'s token (HTTP 401). Check the tenant id and that the app is a principal of the cluster.`, thrown);
    const body = response?.data as { error?: OneApiError } | undefined;
    if (body && typeof body === "object" && body.error) return oneApiError(body.error, config, timeoutSeconds, status);
    if (status === 504 || status === 408) return sqlErrors.timeout(ENGINE, timeoutSeconds, thrown);
    if (status === 404) return configError(`${ENGINE} has no query endpoint at ${config.clusterUrl} (HTTP 404); check the cluster URI.`, thrown);
    return sqlErrors.server(ENGINE, `HTTP ${status}`, thrown);
  }
  if (e.code === "ECONNABORTED" || /timeout of \d+ms exceeded/.test(message)) return sqlErrors.timeout(ENGINE, timeoutSeconds, thrown);
  const host = new URL(config.clusterUrl).hostname;
  // The cloud-metadata lookup rethrows socket errors as text ("Failed to get cloud info … - Error: connect ECONNREFUSED …").
  const code = e.code ?? /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec(message)?.[1];
  return socketError(ENGINE, config.clusterUrl, host, e.cause ?? { code, message }) ?? sqlErrors.server(ENGINE, message, thrown);
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
  const value = typeof h.get === "function" ? h.get(name) : h[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** Entra's answer to the token request: AADSTS codes that mean "fix the credentials" are auth errors. */
function signInError(inner: NonNullable<ThrownShape["inner"]>, config: KustoConfig, thrown: unknown): ConnectorError {
  const description = inner.errorResponse?.errorDescription ?? inner.message ?? "";
  const aadsts = /AADSTS(\d+)/.exec(description)?.[1];
  const first = (/AADSTS\d+:[^.]*/.exec(description)?.[0] ?? description.split(/\r?\n|Trace ID:/)[0]!).replace(/[.\s]+$/, "");
  if (aadsts === "90002" || aadsts === "900023") return configError(`Microsoft Entra has no tenant ${config.tenantId}: ${trim(first)}`, thrown);
  if (aadsts || /invalid_client|unauthorized_client|invalid_request/.test(inner.errorResponse?.error ?? "")) {
    return authError(`Microsoft Entra refused the app ${config.clientId}: ${trim(first)}. Check the tenant, client id and ${config.authentication === "certificate" ? "certificate" : "client secret"}.`, thrown);
  }
  const network = socketError(ENGINE, "login.microsoftonline.com", "login.microsoftonline.com", inner.cause ?? inner);
  return network ?? sqlErrors.cannotConnect("Microsoft Entra ID", "login.microsoftonline.com", first || "the token request failed", thrown);
}
