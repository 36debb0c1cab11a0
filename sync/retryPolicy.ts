import type { RateLimitPolicy } from "../core/integrations/contract.js";
import { asConnectorError } from "./connectors/errors.js";

export interface RetryDecision {
  retry: boolean;
  /** Why, in words the link status can show. */
  reason: string;
  /** How long to wait before the next attempt (0 when not retrying now). */
  waitMs: number;
  /** auth/config: do not try again until someone edits the link or the connection. */
  stopUntilEdited: boolean;
  /** rateLimited: every process must leave the connection alone until now + waitMs. */
  blockConnection: boolean;
}

/**
 * The one place that decides retries (pure; `random` injectable for tests).
 *
 * - auth / config / resultShape: no retry, stop until edited (the result will not change by itself).
 * - rateLimited: no retry in this run; wait Retry-After (or the policy default), shared by every
 *   process through the connection's "blocked until".
 * - transient: retry while `attempt < maxAttempts`, waiting base·2^(attempt-1) (half of it jittered),
 *   capped by maxDelayMs.
 *
 * `attempt` is the number of the attempt that just failed (1 for the first).
 */
export function decideRetry(error: unknown, attempt: number, policy: RateLimitPolicy, random: () => number = Math.random): RetryDecision {
  const typed = asConnectorError(error);
  switch (typed.type) {
    case "auth":
      return { retry: false, reason: "The credentials were refused: edit the connection.", waitMs: 0, stopUntilEdited: true, blockConnection: false };
    case "config":
      return { retry: false, reason: "The source is misconfigured: edit the link or the connection.", waitMs: 0, stopUntilEdited: true, blockConnection: false };
    case "resultShape":
      return { retry: false, reason: "The source did not return exactly one number: edit the link.", waitMs: 0, stopUntilEdited: true, blockConnection: false };
    case "rateLimited": {
      const after = (typed as { retryAfterMs?: number }).retryAfterMs;
      const waitMs = Math.max(1_000, after ?? policy.defaultRetryAfterMs);
      return { retry: false, reason: `Rate limited by the source; waiting ${Math.ceil(waitMs / 1000)} s.`, waitMs, stopUntilEdited: false, blockConnection: true };
    }
    case "transient": {
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
      const waitMs = Math.round(cap / 2 + (random() * cap) / 2);
      if (attempt < policy.maxAttempts) return { retry: true, reason: `Transient failure; attempt ${attempt + 1} of ${policy.maxAttempts}.`, waitMs, stopUntilEdited: false, blockConnection: false };
      return { retry: false, reason: `Transient failure after ${attempt} attempts; trying again at the next run.`, waitMs: 0, stopUntilEdited: false, blockConnection: false };
    }
  }
}
