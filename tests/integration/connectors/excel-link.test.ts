import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { clearExcelTokens } from "../../../sync/connectors/excel/graph.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient, person, ok } from "../okr/support.js";
import { guardNock } from "../../support/nockGuard.js";
import { CLIENT_ID, CLIENT_SECRET, DRIVE, ITEM, SHARING_LINK, simulateNames, simulateRange, simulateShare, simulateToken, simulateWorksheets, TENANT } from "../../fixtures/excel/answers.js";

/**
 * The "excel" connector through Pacer's real HTTP link flow, with an app-only connection: enable,
 * test (good and bad secret), create (secret never returned), resolve a sharing link into the
 * sheet and name pickers, preview, link, refresh, a scheduled sync, and failures (text cell,
 * throttling, 5xx) that keep the last value. Entra and Graph are simulated with nock (fixtures in
 * tests/fixtures/excel); the loopback Pacer server stays reachable.
 */
let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenant = randomUUID();
const owner = person(tenant, "Olga Owner");
let keyResultId = "";
let connectionId = "";

const config = { tenantId: TENANT, clientId: CLIENT_ID };

beforeAll(async () => {
  pacer = await startTestPacer({ PACER_ROLE: "all" });
  api = apiClient(pacer);
  ok(await api(owner, "GET", "/me"));
  const periodId = ok(await api(owner, "GET", "/periods/current")).id;
  const objective = ok(
    await api(owner, "POST", "/objectives", { title: "Grow", periodId, keyResults: [{ title: "Renewal rate to 60 %", measurement: { kind: "metric", start: 0, target: 0.6, unit: "" } }] }),
    201,
  );
  keyResultId = objective.keyResults[0].id;
});
afterAll(async () => {
  await pacer?.close();
});
guardNock("Microsoft Graph");
// Each step asks Entra for its token, so each test states every request it expects.
beforeEach(() => clearExcelTokens());

describe("Microsoft Excel through the HTTP link flow", () => {
  let source: Record<string, unknown> = {};

  it("an admin enables Excel, tests a bad secret (auth) and a good one, and creates the connection; the secret is never returned", async () => {
    ok(await api(owner, "POST", "/integrations/excel/enable", {}));
    simulateToken("token-invalid-client", "wrong-secret");
    const bad = ok(await api(owner, "POST", "/integrations/excel/connections/test", { config, secrets: { clientSecret: "wrong-secret" } }));
    expect(bad).toMatchObject({ ok: false, errorType: "auth" });
    expect(bad.message).toMatch(/AADSTS7000215/);

    simulateToken();
    const test = ok(await api(owner, "POST", "/integrations/excel/connections/test", { config, secrets: { clientSecret: CLIENT_SECRET } }));
    expect(test).toMatchObject({ ok: true, errorType: null });
    expect(test.message).toContain("with Sites.Selected");

    const created = ok(await api(owner, "POST", "/integrations/excel/connections", { name: "Finance workbooks", visibility: "shared", config, secrets: { clientSecret: CLIENT_SECRET } }), 201);
    connectionId = created.id;
    expect(created.secretNames).toEqual(["clientSecret"]);
    const listed = ok(await api(owner, "GET", "/integrations/excel/connections"));
    for (const reply of [created, listed, ok(await api(owner, "GET", `/connections/${connectionId}`))]) expect(JSON.stringify(reply)).not.toContain(CLIENT_SECRET);
    const raw = await pacer.store.collection("connections").findOne({ _id: connectionId as never });
    expect(JSON.stringify(raw)).not.toContain(CLIENT_SECRET);
  });

  it("the pickers resolve a sharing link into its worksheets and named ranges", async () => {
    simulateToken();
    simulateShare();
    simulateWorksheets();
    simulateNames();
    const { items } = ok(await api(owner, "GET", `/connections/${connectionId}/resources?search=${encodeURIComponent(SHARING_LINK)}`));
    expect(items.map((r: { kind: string; name: string }) => `${r.kind}:${r.name}`)).toEqual(["worksheet:Sheet1", "worksheet:Q3 targets", "namedRange:Revenue_Q3 (='Q3 targets'!$C$4)"]);
    source = { ...items[0].source, address: "B7" };
    expect(source).toEqual({ workbookUrl: SHARING_LINK, driveId: DRIVE, itemId: ITEM, workbookName: "OKR metrics FY27.xlsx", worksheet: "Sheet1", address: "B7" });
  });

  it("preview shows a text cell's reason, then the value of a number cell", async () => {
    simulateToken();
    simulateRange("range-text");
    const refused = await api(owner, "POST", `/key-results/${keyResultId}/link/preview`, { connectionId, source });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ id: "source_error", details: { type: "resultShape" } });
    expect(refused.body.error.message).toContain("Sheet1!B7 holds the text “n/a”, not a number.");
    simulateRange("range-percent");
    expect(ok(await api(owner, "POST", `/key-results/${keyResultId}/link/preview`, { connectionId, source }))).toMatchObject({ value: 0.42, details: "42% (Sheet1!B7)" });
  });

  it("links the KR and refreshes it; the KR takes the value", async () => {
    ok(await api(owner, "PUT", `/key-results/${keyResultId}/link`, { connectionId, source }));
    simulateToken();
    simulateRange("range-percent");
    expect(ok(await api(owner, "POST", `/key-results/${keyResultId}/link/refresh`))).toMatchObject({ ok: true, value: 0.42 });
    expect(ok(await api(owner, "GET", `/key-results/${keyResultId}`)).current).toBe(0.42);
  });

  it("a scheduled sync takes the cell's new value", async () => {
    simulateToken();
    // The same documented shape, with the cell now at 55 %.
    simulateRange("range-percent", "Sheet1", "B7", (body) => {
      body.values = body.formulas = body.formulasLocal = body.formulasR1C1 = [[0.55]];
      body.text = [["55%"]];
    });
    await vi.waitFor(
      async () => {
        await pacer.scheduler!.tick(new Date(Date.now() + 3_600_000));
        await pacer.scheduler!.idle();
        expect(ok(await api(owner, "GET", `/key-results/${keyResultId}/link`))).toMatchObject({ lastValue: 0.55, lastError: null });
      },
      { timeout: 20_000, interval: 300 },
    );
    expect(ok(await api(owner, "GET", `/key-results/${keyResultId}`)).current).toBe(0.55);
  });

  it("a failing refresh keeps the last value and says why: 503 (transient), sheet renamed (config)", async () => {
    simulateToken();
    // Transient: the refresh tries three times (rateLimit.maxAttempts), with backoff.
    for (let attempt = 0; attempt < 3; attempt++) simulateRange("error-service-unavailable");
    const unavailable = await api(owner, "POST", `/key-results/${keyResultId}/link/refresh`);
    expect(unavailable.status).toBeGreaterThanOrEqual(400);
    expect(ok(await api(owner, "GET", `/key-results/${keyResultId}/link`))).toMatchObject({ lastValue: 0.55, lastError: { type: "transient", message: expect.stringMatching(/Microsoft Graph answered HTTP 503/) } });

    clearExcelTokens();
    simulateToken();
    simulateRange("error-item-not-found");
    const renamed = await api(owner, "POST", `/key-results/${keyResultId}/link/refresh`);
    expect(renamed.status).toBe(422);
    expect(renamed.body.error.message).toMatch(/the workbook was moved or deleted, or the sheet was renamed/);
    expect(ok(await api(owner, "GET", `/key-results/${keyResultId}/link`))).toMatchObject({ lastValue: 0.55, lastError: { type: "config" } });
    expect(ok(await api(owner, "GET", `/key-results/${keyResultId}`)).current).toBe(0.55);
  });

  it("Graph throttling (429 with Retry-After) is rate limited, and Pacer stays away from Graph until Retry-After has passed", async () => {
    simulateToken();
    simulateRange("error-throttled");
    const throttled = await api(owner, "POST", `/key-results/${keyResultId}/link/refresh`);
    expect(throttled.status, JSON.stringify(throttled.body)).toBeGreaterThanOrEqual(400);
    expect(ok(await api(owner, "GET", `/key-results/${keyResultId}/link`))).toMatchObject({
      lastValue: 0.55,
      lastError: { type: "rateLimited", message: expect.stringMatching(/Microsoft Graph is throttling Pacer \(HTTP 429\)/) },
    });
    // No answer is simulated: a request to Entra or Graph now would fail the test.
    await api(owner, "POST", `/key-results/${keyResultId}/link/refresh`);
    expect(ok(await api(owner, "GET", `/key-results/${keyResultId}/link`))).toMatchObject({ lastValue: 0.55, lastError: { type: "rateLimited", message: expect.stringMatching(/next try in (29|30) s/) } });
  });
});
