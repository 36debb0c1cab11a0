import { type ConnectorError, authError, configError, parseRetryAfter, rateLimitedError, transientError } from "../errors.js";
import { formatBytes } from "./result.js";

/**
 * Google's error answers → Pacer's typed errors, with a sentence an admin or KR owner can act on.
 * BigQuery error bodies are `{ error: { code, message, errors: [{ reason, location, message }], status } }`
 * (https://cloud.google.com/bigquery/docs/error-messages); the client library surfaces them as an
 * ApiError with `code`, `errors` and `response`. Token-exchange failures come from google-auth-library
 * as a GaxiosError whose `response.data` is the OAuth error (`{ error: "invalid_grant", … }`).
 */
export interface ErrorContext {
  projectId: string;
  maximumBytesBilled: number;
  /** The service account's e-mail, when a key is used (to say whom to grant). */
  principal: string | null;
}

interface GoogleErrorItem {
  reason?: string;
  location?: string;
  message?: string;
}

interface ApiErrorLike {
  name?: string;
  code?: number | string;
  message?: string;
  errors?: GoogleErrorItem[];
  status?: number;
  response?: { status?: number; statusCode?: number; headers?: unknown; data?: unknown; body?: unknown };
}

const PERMISSION = /\b(bigquery\.[a-zA-Z]+\.[a-zA-Z]+)\b/;

function header(headers: unknown, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  const record = headers as Record<string, unknown>;
  const found = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = found ? record[found] : undefined;
  return Array.isArray(value) ? String(value[0]) : value === undefined ? null : String(value);
}

function oauthError(error: ApiErrorLike): { error: string; description: string } | null {
  const data = error.response?.data as { error?: unknown; error_description?: unknown } | undefined;
  if (data && typeof data.error === "string") return { error: data.error, description: typeof data.error_description === "string" ? data.error_description : "" };
  return null;
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function translateGoogleError(error: unknown, ctx: ErrorContext): ConnectorError {
  const e = (error ?? {}) as ApiErrorLike;
  if (e.name === "AbortError" || e.name === "TimeoutError") return transientError("BigQuery did not answer in time; Pacer will try again.", error);

  const oauth = oauthError(e);
  if (oauth) {
    const detail = oauth.description ? `${oauth.error}: ${oauth.description}` : oauth.error;
    return authError(
      `Google refused the service-account key (${clip(detail, 160)}). The key may have been deleted or disabled: create a new JSON key for the service account and paste it into the connection.`,
      error,
    );
  }
  const message = e.message ?? String(error);
  if (/Could not load the default credentials|Unable to detect a Project Id/i.test(message)) {
    return authError("Pacer found no ambient Google credentials here; use a service-account key for this connection, or run Pacer on Google Cloud with a service account attached.", error);
  }

  const status = Number(e.code ?? e.response?.status ?? e.response?.statusCode ?? NaN);
  const item = e.errors?.[0] ?? {};
  const reason = item.reason ?? "";
  const googleMessage = clip((item.message ?? message).trim());
  const retryAfter = parseRetryAfter(header(e.response?.headers, "retry-after"));
  const whom = ctx.principal ? `the service account ${ctx.principal}` : "Pacer's Google identity";

  if (reason === "rateLimitExceeded" || reason === "quotaExceeded" || status === 429) {
    return rateLimitedError(`BigQuery is limiting requests for project ${ctx.projectId} (${reason || `HTTP ${status}`}: ${clip(googleMessage, 160)}). Pacer waits and tries again.`, retryAfter);
  }
  if (reason === "bytesBilledLimitExceeded") {
    return configError(
      `The query would bill more than this connection's limit of ${formatBytes(ctx.maximumBytesBilled)}. Narrow it (filter on the partition column, select fewer columns) or ask an admin to raise the connection's limit.`,
      error,
    );
  }
  if (reason === "billingNotEnabled") {
    return configError(`Billing is not enabled for project ${ctx.projectId}: enable billing (or the BigQuery sandbox) in the Google Cloud console, then test the connection again.`, error);
  }
  if (status === 401 || reason === "authError") {
    return authError(`Google refused Pacer's credentials for BigQuery (HTTP 401). Check the connection's service-account key.`, error);
  }
  if (reason === "accessDenied" || reason === "forbidden" || status === 403) {
    const permission = PERMISSION.exec(googleMessage)?.[1];
    if (permission) {
      return configError(`${whom} lacks the \`${permission}\` permission (project ${ctx.projectId}). Add it to the role granted to it (see the README, "BigQuery"). Google said: ${googleMessage}`, error);
    }
    return configError(`BigQuery denied access for ${whom}: ${googleMessage}. Grant it the Pacer BigQuery role on the project and the datasets the query reads.`, error);
  }
  if (reason === "notFound" || status === 404) {
    if (/project/i.test(googleMessage) && !/dataset|table/i.test(googleMessage)) {
      return configError(`Project ${ctx.projectId} was not found, or ${whom} cannot see it. Check the project id (not its name or number) on the connection.`, error);
    }
    return configError(`BigQuery did not find something the query uses: ${googleMessage}. Check the names (and the connection's location).`, error);
  }
  if (reason === "timeout" || reason === "jobTimeout") {
    return transientError(`The query did not finish in time (${clip(googleMessage, 160)}); Pacer will try again. Make it cheaper if this keeps happening.`, error);
  }
  if (reason === "invalidQuery" || reason === "invalid" || reason === "resourcesExceeded" || reason === "responseTooLarge" || reason === "billingTierLimitExceeded" || status === 400) {
    const at = /\[(\d+):(\d+)\]/.exec(googleMessage);
    const where = at ? ` (line ${at[1]}, column ${at[2]})` : "";
    return configError(`BigQuery refused the query${where}: ${googleMessage}. Fix the SQL and save the link again.`, error);
  }
  if (status === 503 && retryAfter !== undefined) return rateLimitedError(`BigQuery asked Pacer to slow down (HTTP 503).`, retryAfter);
  if (Number.isFinite(status) && status >= 500) return transientError(`BigQuery had a temporary problem (HTTP ${status}${reason ? `, ${reason}` : ""}); Pacer will try again.`, error);
  if (reason === "backendError" || reason === "internalError") return transientError(`BigQuery had a temporary problem (${reason}); Pacer will try again.`, error);
  return transientError(`Could not reach BigQuery (${clip(message, 200)}).`, error);
}
