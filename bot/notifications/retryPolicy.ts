/**
 * When to retry a send to Teams, as data and one pure function. Teams throttles per bot and
 * conversation (7 sends/1 s, 8/2 s, 60/30 s, 1,800/hour) and answers 429; 412, 502 and 504 are
 * transient too. Retry those with exponential backoff and full jitter, honouring `Retry-After`.
 */
export interface RetryPolicy {
  retryStatuses: readonly number[];
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const TEAMS_RETRY_POLICY: RetryPolicy = {
  // 0: the request never got an answer (connection refused, timeout).
  retryStatuses: [0, 412, 429, 502, 504],
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
};

export type RetryDecision = { retry: true; delayMs: number; reason: string } | { retry: false; reason: string };

/** `attempt` is the number of the attempt that just failed (1 for the first). */
export function retryDecision(
  failure: { status: number; retryAfterMs: number | undefined },
  attempt: number,
  policy: RetryPolicy = TEAMS_RETRY_POLICY,
  random: () => number = Math.random,
): RetryDecision {
  if (!policy.retryStatuses.includes(failure.status)) return { retry: false, reason: `status ${failure.status} is not retried` };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: `gave up after ${attempt} attempts` };
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(backoff / 2 + (random() * backoff) / 2);
  const delayMs = failure.retryAfterMs !== undefined ? Math.min(policy.maxDelayMs, Math.max(failure.retryAfterMs, jittered / 4)) : jittered;
  return { retry: true, delayMs, reason: failure.status === 429 ? "throttled" : `status ${failure.status}` };
}

/** Sliding-window limits per conversation, kept under Teams' own so a burst is spread, not refused. */
export const CONVERSATION_LIMITS: ReadonlyArray<{ sends: number; windowMs: number }> = [
  { sends: 7, windowMs: 1_000 },
  { sends: 8, windowMs: 2_000 },
  { sends: 60, windowMs: 30_000 },
  { sends: 1_800, windowMs: 3_600_000 },
];

/** How long to wait before the next send, given the times of earlier sends (ms, any order). */
export function waitBeforeSend(sentAt: readonly number[], now: number, limits = CONVERSATION_LIMITS): number {
  let wait = 0;
  const newestFirst = [...sentAt].sort((a, b) => b - a);
  for (const limit of limits) {
    const inWindow = newestFirst.filter((t) => t > now - limit.windowMs);
    if (inWindow.length >= limit.sends) {
      const oldestCounted = inWindow[limit.sends - 1]!;
      wait = Math.max(wait, oldestCounted + limit.windowMs - now);
    }
  }
  return wait;
}
