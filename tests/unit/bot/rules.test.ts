import { describe, expect, it } from "vitest";
import { retryAfterMs } from "../../../bot/adapter/botAdapter.js";
import { isLoopbackHttp } from "../../../bot/adapter/credentials.js";
import { parseCheckInInputs } from "../../../bot/handlers/checkInAction.js";
import { parseCommand, plainText } from "../../../bot/handlers/commands.js";
import { fitResults, keyResultIdFromUrl } from "../../../bot/handlers/messageExtension.js";
import { retryDecision, TEAMS_RETRY_POLICY, waitBeforeSend } from "../../../bot/notifications/retryPolicy.js";
import { splitConversationId } from "../../../bot/activity.js";

describe("commands", () => {
  it.each([
    ["help", { name: "help" }],
    ["<at>Pacer</at>&nbsp;My OKRs", { name: "myOkrs" }],
    ["check in revenue q1", { name: "checkIn", query: "revenue q1" }],
    ["Check-in", { name: "checkIn", query: "" }],
    ["<at>Pacer</at> subscribe", { name: "subscribe", query: "" }],
    ["subscribe to Sales team", { name: "subscribe", query: "Sales team" }],
    ["unsubscribe.", { name: "unsubscribe", query: "" }],
    ["unsubscribe Grow the business", { name: "unsubscribe", query: "Grow the business" }],
    ["checkout", { name: "unknown", text: "checkout" }],
  ])("%s", (text, command) => expect(parseCommand(text)).toEqual(command));

  it("strips markup from message text", () => {
    expect(plainText("<p>Hi <at>Pacer</at>, &lt;b&gt;</p>")).toBe("Hi , <b>");
  });

  it("splits channel thread ids", () => {
    expect(splitConversationId("19:abc@thread.tacv2;messageid=123")).toEqual({ conversationId: "19:abc@thread.tacv2", threadRootId: "123" });
    expect(splitConversationId("a:1")).toEqual({ conversationId: "a:1", threadRootId: undefined });
  });
});

describe("check-in inputs", () => {
  it("accepts numbers with thousands separators and maps auto status to none", () => {
    expect(parseCheckInInputs({ keyResultId: "k", version: "3", value: "1,250", status: "auto", note: " ok " })).toEqual({ ok: true, keyResultId: "k", version: 3, value: 1250, status: null, note: "ok" });
  });
  it("says what is wrong", () => {
    expect(parseCheckInInputs({ keyResultId: "k", value: "" })).toMatchObject({ ok: false, message: "Enter the new value.", keyResultId: "k" });
    expect(parseCheckInInputs({ keyResultId: "k", value: "lots" })).toMatchObject({ ok: false, message: "“lots” is not a number." });
    expect(parseCheckInInputs({ keyResultId: "k", value: "1", status: "great" })).toMatchObject({ ok: false });
    expect(parseCheckInInputs({ value: "1" })).toMatchObject({ ok: false });
  });
});

describe("retries to Teams", () => {
  const fixed = () => 0.5;
  it("retries 429/412/502/504 and connection failures, not other errors", () => {
    for (const status of [0, 412, 429, 502, 504]) expect(retryDecision({ status, retryAfterMs: undefined }, 1, TEAMS_RETRY_POLICY, fixed).retry).toBe(true);
    for (const status of [400, 401, 403, 404, 413, 500]) expect(retryDecision({ status, retryAfterMs: undefined }, 1, TEAMS_RETRY_POLICY, fixed).retry).toBe(false);
  });
  it("backs off exponentially with jitter, honours Retry-After, and gives up", () => {
    expect(retryDecision({ status: 502, retryAfterMs: undefined }, 1, TEAMS_RETRY_POLICY, fixed)).toMatchObject({ retry: true, delayMs: 750 });
    expect(retryDecision({ status: 502, retryAfterMs: undefined }, 3, TEAMS_RETRY_POLICY, fixed)).toMatchObject({ retry: true, delayMs: 3000 });
    expect(retryDecision({ status: 429, retryAfterMs: 5000 }, 1, TEAMS_RETRY_POLICY, fixed)).toMatchObject({ retry: true, delayMs: 5000 });
    expect(retryDecision({ status: 429, retryAfterMs: 600_000 }, 1, TEAMS_RETRY_POLICY, fixed)).toMatchObject({ delayMs: 60_000 });
    expect(retryDecision({ status: 429, retryAfterMs: undefined }, TEAMS_RETRY_POLICY.maxAttempts, TEAMS_RETRY_POLICY, fixed).retry).toBe(false);
  });
  it("reads Retry-After in seconds or as a date", () => {
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(null)).toBeUndefined();
  });
  it("spaces sends under the per-conversation limits", () => {
    const now = 100_000;
    expect(waitBeforeSend([], now)).toBe(0);
    expect(waitBeforeSend([now - 900, now - 800, now - 700, now - 600, now - 500, now - 400], now)).toBe(0);
    expect(waitBeforeSend([now - 900, now - 800, now - 700, now - 600, now - 500, now - 400, now - 300], now)).toBe(100);
    expect(waitBeforeSend(Array.from({ length: 8 }, (_, i) => now - 1900 + i * 10), now)).toBe(100);
  });
});

describe("message extension", () => {
  it("recognises Pacer key-result links of this installation only", () => {
    expect(keyResultIdFromUrl("https://pacer.example.com/tab/#/kr/abc-1", "https://pacer.example.com")).toBe("abc-1");
    expect(keyResultIdFromUrl("https://other.example.com/tab/#/kr/abc-1", "https://pacer.example.com")).toBeUndefined();
    expect(keyResultIdFromUrl("https://pacer.example.com/tab/#/my", "https://pacer.example.com")).toBeUndefined();
    expect(keyResultIdFromUrl("not a url", "https://pacer.example.com")).toBeUndefined();
  });
  it("keeps results under the size limit", () => {
    const big = Array.from({ length: 12 }, () => ({ contentType: "x", content: "y".repeat(5000) }));
    const kept = fitResults(big, 27_000);
    expect(kept.length).toBe(5);
  });
  it("only treats loopback http login URLs as local token endpoints", () => {
    expect(isLoopbackHttp("http://127.0.0.1:1234/botframework.com")).toBe(true);
    expect(isLoopbackHttp("http://login.example.com/x")).toBe(false);
    expect(isLoopbackHttp("https://login.microsoftonline.com/botframework.com")).toBe(false);
  });
});
