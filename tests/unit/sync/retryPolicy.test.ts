import { describe, expect, it } from "vitest";
import { defaultRateLimit } from "../../../core/integrations/contract.js";
import { authError, configError, errorFromResponse, parseRetryAfter, rateLimitedError, resultShapeError, transientError } from "../../../sync/connectors/errors.js";
import { decideRetry } from "../../../sync/retryPolicy.js";

const policy = { ...defaultRateLimit, maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 5000, defaultRetryAfterMs: 60_000 };

describe("decideRetry", () => {
  it("stops auth, config and result-shape errors until edited", () => {
    for (const error of [authError("no"), configError("bad query"), resultShapeError("two numbers")]) {
      const d = decideRetry(error, 1, policy);
      expect(d).toMatchObject({ retry: false, stopUntilEdited: true, blockConnection: false, waitMs: 0 });
    }
  });

  it("retries transient errors with jittered exponential backoff, capped, then gives up", () => {
    expect(decideRetry(transientError("x"), 1, policy, () => 0)).toMatchObject({ retry: true, waitMs: 500 });
    expect(decideRetry(transientError("x"), 1, policy, () => 1)).toMatchObject({ retry: true, waitMs: 1000 });
    expect(decideRetry(transientError("x"), 2, policy, () => 1).waitMs).toBe(2000);
    expect(decideRetry(transientError("x"), 2, { ...policy, maxAttempts: 10, maxDelayMs: 1500 }, () => 1).waitMs).toBe(1500);
    const last = decideRetry(transientError("x"), 3, policy);
    expect(last).toMatchObject({ retry: false, stopUntilEdited: false });
  });

  it("treats unknown throws as transient", () => {
    expect(decideRetry(new TypeError("fetch failed"), 1, policy).retry).toBe(true);
  });

  it("honours Retry-After on rate limits and blocks the connection", () => {
    expect(decideRetry(rateLimitedError("slow down", 12_000), 1, policy)).toMatchObject({ retry: false, waitMs: 12_000, blockConnection: true });
    expect(decideRetry(rateLimitedError("slow down"), 1, policy).waitMs).toBe(60_000);
  });
});

describe("HTTP answers to typed errors", () => {
  it("maps statuses and Retry-After", () => {
    expect(errorFromResponse(new Response("", { status: 401 })).type).toBe("auth");
    expect(errorFromResponse(new Response("", { status: 404 })).type).toBe("config");
    expect(errorFromResponse(new Response("", { status: 502 })).type).toBe("transient");
    const limited = errorFromResponse(new Response("", { status: 429, headers: { "retry-after": "7" } }));
    expect(limited).toMatchObject({ type: "rateLimited", retryAfterMs: 7000 });
    expect(parseRetryAfter(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThan(25_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});
