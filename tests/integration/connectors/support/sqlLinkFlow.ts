import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPacer, type TestPacer } from "../../../support/testPacer.js";
import { apiClient, person, ok } from "../../okr/support.js";

/**
 * One SQL-style connector through Pacer's real HTTP link flow, the same steps for each: an admin
 * enables it, tests and creates a connection with secrets (never returned), a preview refuses a
 * write without sending it, a preview shows the value, the link is saved and refreshed, and a
 * refresh after the source changed updates the KR. The vendor side is a loopback simulation the
 * caller controls through `setValue` and `sentTexts`.
 */
export interface SqlLinkFlow {
  id: string;
  config: () => Record<string, unknown>;
  secrets: () => Record<string, string>;
  /** A query the simulation answers with the current value. */
  query: string;
  /** A write the connector must refuse before sending. */
  write: string;
  setValue(value: number): void;
  /** Every query text the simulated server received. */
  sentTexts(): string[];
  /** Start and stop the simulation. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function describeSqlLinkFlow(flow: SqlLinkFlow): void {
  let pacer: TestPacer;
  let api: ReturnType<typeof apiClient>;
  const owner = person(randomUUID(), "Olga Owner");
  let keyResultId = "";
  let connectionId = "";

  beforeAll(async () => {
    await flow.start();
    pacer = await startTestPacer();
    api = apiClient(pacer);
    ok(await api(owner, "GET", "/me"));
    const periodId = ok(await api(owner, "GET", "/periods/current")).id;
    const objective = ok(
      await api(owner, "POST", "/objectives", { title: "Grow", periodId, keyResults: [{ title: "Signups 0 → 100", measurement: { kind: "metric", start: 0, target: 100, unit: "signups" } }] }),
      201,
    );
    keyResultId = objective.keyResults[0].id;
  });
  afterAll(async () => {
    await pacer?.close();
    await flow.stop();
  });

  describe(`${flow.id} through the HTTP link flow`, () => {
    it("an admin enables it, tests and creates a connection; secrets are never returned", async () => {
      ok(await api(owner, "POST", `/integrations/${flow.id}/enable`, {}));
      const test = ok(await api(owner, "POST", `/integrations/${flow.id}/connections/test`, { config: flow.config(), secrets: flow.secrets() }));
      expect(test, JSON.stringify(test)).toMatchObject({ ok: true, errorType: null });
      expect(test.message).toMatch(/^Connected to /);

      const created = ok(await api(owner, "POST", `/integrations/${flow.id}/connections`, { name: "Warehouse (prod)", visibility: "shared", config: flow.config(), secrets: flow.secrets() }), 201);
      expect(created.secretNames.sort()).toEqual(Object.keys(flow.secrets()).sort());
      connectionId = created.id;
      const listed = ok(await api(owner, "GET", `/integrations/${flow.id}/connections`));
      for (const secret of Object.values(flow.secrets())) {
        expect(JSON.stringify(created)).not.toContain(secret);
        expect(JSON.stringify(listed)).not.toContain(secret);
      }
    });

    it("preview refuses a write without sending it, then previews the value", async () => {
      const refused = await api(owner, "POST", `/key-results/${keyResultId}/link/preview`, { connectionId, source: { query: flow.write } });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ id: "source_error", details: { type: "config" } });
      expect(flow.sentTexts().filter((text) => text.includes(flow.write))).toEqual([]);

      flow.setValue(42);
      const preview = ok(await api(owner, "POST", `/key-results/${keyResultId}/link/preview`, { connectionId, source: { query: flow.query } }));
      expect(preview).toMatchObject({ value: 42 });
    });

    it("saves the link; a refresh reads the new value", async () => {
      ok(await api(owner, "PUT", `/key-results/${keyResultId}/link`, { connectionId, source: { query: flow.query } }));
      flow.setValue(57);
      const refreshed = ok(await api(owner, "POST", `/key-results/${keyResultId}/link/refresh`));
      expect(refreshed).toMatchObject({ ok: true, value: 57 });
      const link = ok(await api(owner, "GET", `/key-results/${keyResultId}/link`));
      expect(link).toMatchObject({ lastValue: 57, lastError: null });
    });
  });
}
