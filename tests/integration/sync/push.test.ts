import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, person, ok } from "../okr/support.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";

/** The Zapier / webhook connector ("zapier"): secret URL per link, idempotent, rate limited. */
let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenant = randomUUID();
const owner = person(tenant, "Olga Owner");
const ids: Record<string, string> = {};
let pushUrl = "";

const push = (url: string, json: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(json) });

beforeAll(async () => {
  pacer = await startTestPacer();
  api = apiClient(pacer);
  ok(await api(owner, "GET", "/me"));
  const periodId = ok(await api(owner, "GET", "/periods/current")).id;
  const objective = ok(
    await api(owner, "POST", "/objectives", { title: "Sell", periodId, keyResults: [{ title: "Deals", measurement: { kind: "metric", start: 0, target: 100, unit: "deals" } }] }),
    201,
  );
  ids.kr = objective.keyResults[0].id;
  ok(await api(owner, "POST", "/integrations/zapier/enable", {}));
  ids.conn = ok(await api(owner, "POST", "/integrations/zapier/connections", { name: "Zapier" }), 201).id;
});
afterAll(async () => {
  await pacer?.close();
});

describe("Zapier / webhook push", () => {
  it("shows the secret URL once, and stores only its hash", async () => {
    const link = ok(await api(owner, "PUT", `/key-results/${ids.kr}/link`, { connectionId: ids.conn, source: {} }));
    expect(link).toMatchObject({ mode: "push", integrationId: "zapier", pushUrl: expect.stringMatching(/\/api\/v1\/push\/[\w-]{20,}$/) });
    pushUrl = link.pushUrl.replace(/^https?:\/\/[^/]+/, pacer.url);
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}/link`)).pushUrl).toBeUndefined();
    const raw = await pacer.store.collection("krLinks").findOne({ keyResultId: ids.kr });
    const token = pushUrl.split("/").pop()!;
    expect(JSON.stringify(raw)).not.toContain(token);
    expect(raw!.pushTokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("records a pushed value as a check-in and answers with it, without sign-in", async () => {
    const res = await push(pushUrl, { value: 12, note: "from Zapier" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ keyResultId: ids.kr, value: 12, changed: true });
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}`)).current).toBe(12);
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}/link`))).toMatchObject({ status: "ok", lastValue: 12 });
    const bad = await push(pushUrl, { value: "twelve" });
    expect(bad.status).toBe(400);
    expect((await push(`${pacer.url}/api/v1/push/not-a-real-token-at-all`, { value: 1 })).status).toBe(404);
  });

  it("replays the first answer for a repeated Idempotency-Key, with one check-in", async () => {
    const key = randomUUID();
    const results = await Promise.all([push(pushUrl, { value: 20 }, { "idempotency-key": key }), push(pushUrl, { value: 20 }, { "idempotency-key": key })]);
    const bodies = await Promise.all(results.map((r) => r.json()));
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(bodies[0]).toEqual(bodies[1]);
    const replay = await push(pushUrl, { value: 999 }, { "idempotency-key": key });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(bodies[0]);
    const history = ok(await api(owner, "GET", `/key-results/${ids.kr}/check-ins`));
    expect(history.items.filter((c: { value: number }) => c.value === 20)).toHaveLength(1);
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}`)).current).toBe(20);
  });

  it("rate limits each URL (60 a minute) with 429 and Retry-After", async () => {
    const statuses: number[] = [];
    // Up to two windows' worth, in case a minute boundary passes meanwhile.
    for (let i = 0; i < 125 && !statuses.includes(429); i += 1) statuses.push((await push(pushUrl, { value: 20 })).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(120);
    const res = await push(pushUrl, { value: 20 });
    if (res.status === 429) {
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await res.json()).error.id).toBe("rate_limit_exceeded");
    }
  });

  it("regenerates the URL (the old one stops working) and pauses when the integration is disabled", async () => {
    const regenerated = ok(await api(owner, "POST", `/key-results/${ids.kr}/link/push-url`));
    const fresh = regenerated.pushUrl.replace(/^https?:\/\/[^/]+/, pacer.url);
    expect(fresh).not.toBe(pushUrl);
    expect((await push(pushUrl, { value: 30 })).status).toBe(404);
    ok(await api(owner, "POST", "/integrations/zapier/disable", {}));
    const paused = await push(fresh, { value: 30 });
    expect(paused.status).toBe(409);
    expect((await paused.json()).error.id).toBe("link_paused");
  });
});
