import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { apiClient, person } from "../okr/support.js";
import { LoopbackJson } from "../../support/loopbackJson.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";

/** A Pacer running the sync role syncs a saved Web JSON link by itself (scheduler → engine job). */
let pacer: TestPacer;
let source: LoopbackJson;

beforeAll(async () => {
  source = await new LoopbackJson().start();
  pacer = await startTestPacer({ PACER_ROLE: "all" });
});
afterAll(async () => {
  await pacer?.close();
  await source?.stop();
});

it("registers the sync job: a newly linked KR is synced by the next scheduler tick", async () => {
  const api = apiClient(pacer);
  const owner = person(randomUUID(), "Olga Owner");
  const body = async (p: Promise<{ status: number; body: any }>, status = 200) => {
    const reply = await p;
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    return reply.body;
  };
  await body(api(owner, "GET", "/me"));
  const periodId = (await body(api(owner, "GET", "/periods/current"))).id;
  const objective = await body(api(owner, "POST", "/objectives", { title: "O", periodId, keyResults: [{ title: "K", measurement: { kind: "percent" } }] }), 201);
  const krId = objective.keyResults[0].id;
  await body(api(owner, "POST", "/integrations/webjson/enable", {}));
  const conn = await body(api(owner, "POST", "/integrations/webjson/connections", { name: "Stats", config: { baseUrl: source.url } }), 201);
  source.values.set("/done", 64);
  await body(api(owner, "PUT", `/key-results/${krId}/link`, { connectionId: conn.id, source: { path: "/done", valuePath: "value" } }));

  await vi.waitFor(
    async () => {
      await pacer.scheduler!.tick(new Date(Date.now() + 120_000));
      await pacer.scheduler!.idle();
      const link = await body(api(owner, "GET", `/key-results/${krId}/link`));
      expect(link).toMatchObject({ status: "ok", lastValue: 64 });
    },
    { timeout: 15_000, interval: 300 },
  );
  expect((await body(api(owner, "GET", `/key-results/${krId}`))).current).toBe(64);
});
