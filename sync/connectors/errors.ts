/**
 * What a connector throws. The sync engine records `type` and `message` on the link (shown in the
 * tab), so messages must be short, human and free of secrets. Anything else a connector throws
 * counts as `transient`.
 */
export type ConnectorErrorType = "auth" | "config" | "resultShape" | "rateLimited" | "transient";

export class ConnectorError extends Error {
  constructor(
    readonly type: ConnectorErrorType,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ConnectorError";
  }
}

/** Credentials refused or expired: needs someone to edit the connection (re-consent). */
export const authError = (message: string, cause?: unknown) => new ConnectorError("auth", message, { cause });
/** Bad query, resource not found, invalid setting: needs someone to edit the link or connection. */
export const configError = (message: string, cause?: unknown) => new ConnectorError("config", message, { cause });
/** The source answered, but not with exactly one number. */
export const resultShapeError = (message: string) => new ConnectorError("resultShape", message);
/** Timeouts, 5xx, network failures: retried with jittered backoff. */
export const transientError = (message: string, cause?: unknown) => new ConnectorError("transient", message, { cause });

export class RateLimitedError extends ConnectorError {
  constructor(
    message: string,
    /** From Retry-After / rate-limit headers; undefined when the source did not say. */
    readonly retryAfterMs: number | undefined,
  ) {
    super("rateLimited", message);
  }
}
export const rateLimitedError = (message: string, retryAfterMs?: number) => new RateLimitedError(message, retryAfterMs);

/** Any thrown value → a ConnectorError (aborts become transient timeouts). */
export function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const name = (error as { name?: string } | null)?.name;
  if (name === "AbortError" || name === "TimeoutError") return transientError("The source did not answer in time.", error);
  const message = error instanceof Error ? error.message : String(error);
  return transientError(`Could not reach the source (${message.slice(0, 200)}).`, error);
}

/** `Retry-After: 120` or an HTTP date → milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Maps a non-OK HTTP answer to the right typed error: 401/403 auth, 404/400/422 config,
 * 429 (and 503 with Retry-After) rate limited, other 5xx/408 transient.
 */
export function errorFromResponse(response: Response, what = "The source"): ConnectorError {
  const status = response.status;
  const retryAfter = parseRetryAfter(response.headers.get("retry-after")) ?? rateLimitResetMs(response.headers);
  if (status === 429 || (status === 503 && retryAfter !== undefined)) return rateLimitedError(`${what} is rate limiting Pacer (HTTP ${status}).`, retryAfter);
  if (status === 401 || status === 403) return authError(`${what} refused the credentials (HTTP ${status}).`);
  if (status === 404) return configError(`${what} says this was not found (HTTP 404).`);
  if (status === 400 || status === 405 || status === 409 || status === 410 || status === 422) return configError(`${what} refused the request (HTTP ${status}).`);
  return transientError(`${what} answered HTTP ${status}.`);
}

/** `X-RateLimit-Reset` (epoch seconds or seconds from now) when the source uses it instead of Retry-After. */
function rateLimitResetMs(headers: Headers, now = Date.now()): number | undefined {
  const reset = headers.get("x-ratelimit-reset");
  if (!reset || !/^\d+$/.test(reset.trim())) return undefined;
  const n = Number(reset);
  return n > 1_000_000_000 ? Math.max(0, n * 1000 - now) : n * 1000;
}
