import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient, person, ok } from "../okr/support.js";

/**
 * A SQL connector through Pacer's real HTTP API, against a real server: an admin enables it, tests
 * and creates a connection (the password goes in as a secret, is stored sealed and never comes
 * back), previews (DML refused, then a value), links key results, refreshes, and the scheduler
 * syncs them: a KR whose query starts failing keeps its last value and does not hold up the other.
 *
 * The target's data is the suite's `orders` table (ids 1–3); `addOrder`/`removeOrder` change it as
 * the admin.
 */
export interface SqlLinkTarget {
  integrationId: string;
  config: Record<string, unknown>;
  password: string;
  addOrder(id: number): Promise<void>;
  removeOrder(id: number): Promise<void>;
}

export function describeSqlLinkFlow(target: () => SqlLinkTarget) {
  describe("through Pacer's HTTP API", () => {
    let t: SqlLinkTarget;
    let pacer: TestPacer;
    let api: ReturnType<typeof apiClient>;
    const owner = person(randomUUID(), "Olga Owner");
    const kr = { orders: "", ratio: "" };
    let connectionId = "";
    // Valid while orders has 3 rows (100 / (3 - 4) = -100); a 4th row makes it divide by zero (an error, or NULL on MySQL).
    const ratioQuery = "SELECT 100 / (count(*) - 4) FROM orders";

    beforeAll(async () => {
      t = target();
      pacer = await startTestPacer({ PACER_ROLE: "all" });
      api = apiClient(pacer);
      ok(await api(owner, "GET", "/me"));
      const periodId = ok(await api(owner, "GET", "/periods/current")).id;
      const metric = (title: string) => ({ title, measurement: { kind: "metric", start: 0, target: 10, unit: "orders" } });
      const objective = ok(await api(owner, "POST", "/objectives", { title: "Sell", periodId, keyResults: [metric("Orders"), metric("Ratio")] }), 201);
      [kr.orders, kr.ratio] = objective.keyResults.map((k: { id: string }) => k.id);
    });
    afterAll(async () => {
      await pacer?.close();
      await t?.removeOrder(4);
    });

    it("an admin enables it, tests and creates a connection; the password is sealed and never returned", async () => {
      ok(await api(owner, "POST", `/integrations/${t.integrationId}/enable`, {}));
      const test = ok(await api(owner, "POST", `/integrations/${t.integrationId}/connections/test`, { config: t.config, secrets: { password: t.password } }));
      expect(test).toMatchObject({ ok: true, errorType: null, message: expect.stringMatching(/^Connected to /) });
      const wrong = ok(await api(owner, "POST", `/integrations/${t.integrationId}/connections/test`, { config: t.config, secrets: { password: "wrong" } }));
      expect(wrong).toMatchObject({ ok: false, errorType: "auth" });

      const created = ok(await api(owner, "POST", `/integrations/${t.integrationId}/connections`, { name: "Shop", visibility: "shared", config: t.config, secrets: { password: t.password } }), 201);
      connectionId = created.id;
      expect(created.secretNames).toEqual(["password"]);
      expect(created.config).toMatchObject({ statementTimeoutSeconds: 30, tls: t.config.tls });
      const listed = ok(await api(owner, "GET", `/integrations/${t.integrationId}/connections`));
      for (const reply of [created, listed, ok(await api(owner, "GET", `/connections/${connectionId}`))]) expect(JSON.stringify(reply)).not.toContain(t.password);
      const raw = await pacer.store.collection("connections").findOne({ _id: connectionId as never });
      expect(JSON.stringify(raw)).not.toContain(t.password);
      expect(raw!.sealedSecrets).toMatchObject({ alg: "A256GCM" });
    });

    it("preview refuses DML with the reason, then shows the value", async () => {
      const refused = await api(owner, "POST", `/key-results/${kr.orders}/link/preview`, { connectionId, source: { query: "DELETE FROM orders" } });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ id: "source_error", details: { type: "config" } });
      expect(refused.body.error.message).toMatch(/starts with DELETE; Pacer only runs a read-only SELECT/);
      const preview = ok(await api(owner, "POST", `/key-results/${kr.orders}/link/preview`, { connectionId, source: { query: "SELECT count(*) FROM orders" } }));
      expect(preview).toMatchObject({ value: 3 });
      const exact = ok(await api(owner, "POST", `/key-results/${kr.orders}/link/preview`, { connectionId, source: { query: "SELECT big FROM orders WHERE id = 1" } }));
      expect(exact.details).toMatch(/^Exact value 9007199254740993;/);
    });

    it("links two KRs and refreshes them; the KR takes the value", async () => {
      ok(await api(owner, "PUT", `/key-results/${kr.orders}/link`, { connectionId, source: { query: "SELECT count(*) FROM orders" } }));
      ok(await api(owner, "PUT", `/key-results/${kr.ratio}/link`, { connectionId, source: { query: ratioQuery } }));
      expect(ok(await api(owner, "POST", `/key-results/${kr.orders}/link/refresh`))).toMatchObject({ ok: true, value: 3 });
      expect(ok(await api(owner, "POST", `/key-results/${kr.ratio}/link/refresh`))).toMatchObject({ ok: true, value: -100 });
      expect(ok(await api(owner, "GET", `/key-results/${kr.orders}`)).current).toBe(3);
    });

    it("a scheduled sync updates one KR while the other's query fails; that one keeps its last value", async () => {
      await t.addOrder(4);
      await vi.waitFor(
        async () => {
          await pacer.scheduler!.tick(new Date(Date.now() + 3_600_000));
          await pacer.scheduler!.idle();
          expect(ok(await api(owner, "GET", `/key-results/${kr.orders}/link`))).toMatchObject({ lastValue: 4 });
          expect(ok(await api(owner, "GET", `/key-results/${kr.ratio}/link`))).toMatchObject({ lastValue: -100, lastError: { type: expect.stringMatching(/^(config|resultShape)$/) } });
        },
        { timeout: 20_000, interval: 300 },
      );
      expect(ok(await api(owner, "GET", `/key-results/${kr.orders}`)).current).toBe(4);
      expect(ok(await api(owner, "GET", `/key-results/${kr.ratio}`)).current).toBe(-100);
    });
  });
}
