import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient, person, ok } from "../okr/support.js";
import { guardNock } from "../../support/nockGuard.js";
import { BIGQUERY_PROJECT, makeServiceAccountKey } from "../../fixtures/bigquery/serviceAccountKey.js";
import { simulateDryRun, simulateJobsQuery, simulateToken } from "../../fixtures/bigquery/answers.js";

/**
 * The "bigquery" connector through Pacer's real HTTP link flow: enable, test and create a
 * connection, preview (refused DML, then a value), save, refresh, a failing refresh that keeps the
 * last value, and a link whose connection was deleted. Google is simulated with nock (fixtures in
 * tests/fixtures/bigquery); the loopback Pacer server stays reachable.
 */
const PROJECT = BIGQUERY_PROJECT;

let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenant = randomUUID();
const owner = person(tenant, "Olga Owner");
let keyResultId = "";
let connectionId = "";
let serviceAccountKey = "";

const config = { projectId: PROJECT, location: "US" };
const query = "SELECT COUNT(*) AS signups FROM `pacer-analytics.shop.signups`";

beforeAll(async () => {
  serviceAccountKey = makeServiceAccountKey().json;
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
});
guardNock("Google");

describe("BigQuery through the HTTP link flow", () => {
  it("an admin enables BigQuery, tests and creates a connection (the key is never returned)", async () => {
    ok(await api(owner, "POST", "/integrations/bigquery/enable", {}));
    simulateToken();
    simulateDryRun();
    const test = ok(await api(owner, "POST", "/integrations/bigquery/connections/test", { config, secrets: { serviceAccountKey } }));
    expect(test).toMatchObject({ ok: true, errorType: null });
    expect(test.message).toContain(`Connected to BigQuery project ${PROJECT} (location US) as pacer-reader@`);

    const created = ok(await api(owner, "POST", "/integrations/bigquery/connections", { name: "Analytics (prod)", visibility: "shared", config, secrets: { serviceAccountKey } }), 201);
    expect(created.secretNames).toEqual(["serviceAccountKey"]);
    expect(JSON.stringify(created)).not.toContain("PRIVATE KEY");
    expect(created.config).toMatchObject({ projectId: PROJECT, maximumBytesBilled: 1_000_000_000, credentials: "serviceAccountKey" });
    connectionId = created.id;
  });

  it("a bad key is refused by the connection form with the field named", async () => {
    const reply = await api(owner, "POST", "/integrations/bigquery/connections", { name: "Broken", config, secrets: { serviceAccountKey: "{\"type\":\"authorized_user\"}" } });
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain("secrets.serviceAccountKey");
  });

  it("preview refuses DML with the reason, then previews a SELECT's value and bytes", async () => {
    simulateToken();
    simulateDryRun("DELETE");
    const refused = await api(owner, "POST", `/key-results/${keyResultId}/link/preview`, { connectionId, source: { query: "DELETE FROM shop.signups WHERE TRUE" } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ id: "source_error", details: { type: "config" } });
    expect(refused.body.error.message).toMatch(/DML statement \(DELETE\)/);

    simulateToken();
    simulateDryRun();
    simulateJobsQuery("query-complete");
    const preview = ok(await api(owner, "POST", `/key-results/${keyResultId}/link/preview`, { connectionId, source: { query } }));
    expect(preview).toMatchObject({ value: 42, details: "Dry run would scan 1.2 MB (limit 1 GB); scanned 1.2 MB, billed 10.5 MB" });
  });

  it("saves the link, refreshes it, and keeps the last value when BigQuery then denies access", async () => {
    ok(await api(owner, "PUT", `/key-results/${keyResultId}/link`, { connectionId, source: { query } }));
    simulateToken();
    simulateDryRun();
    simulateJobsQuery("query-complete");
    const refreshed = ok(await api(owner, "POST", `/key-results/${keyResultId}/link/refresh`));
    expect(refreshed).toMatchObject({ ok: true, value: 42 });

    simulateToken();
    simulateDryRun("error-access-denied");
    const failed = await api(owner, "POST", `/key-results/${keyResultId}/link/refresh`);
    expect(failed.status).toBe(422);
    expect(failed.body.error.message).toMatch(/lacks the `bigquery\.jobs\.create` permission/);
    const link = ok(await api(owner, "GET", `/key-results/${keyResultId}/link`));
    expect(link).toMatchObject({ lastValue: 42, lastError: { type: "config" } });
  });

  it("a link whose connection was deleted keeps its value, says so, and refuses to refresh", async () => {
    const reply = await api(owner, "DELETE", `/connections/${connectionId}`);
    expect(reply.status).toBeLessThan(300);
    const link = ok(await api(owner, "GET", `/key-results/${keyResultId}/link`));
    expect(link).toMatchObject({ status: "paused", statusText: "connection removed", lastValue: 42 });
    const refresh = await api(owner, "POST", `/key-results/${keyResultId}/link/refresh`);
    expect(refresh.status).toBe(409);
    expect(refresh.body.error.id).toBe("connection_removed");
    const preview = await api(owner, "POST", `/key-results/${keyResultId}/link/preview`, { connectionId, source: { query } });
    expect(preview.status).toBe(404);
  });
});
