import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT_ID, DEMO_USER } from "../../../core/auth/devTokens.js";
import { loadDemoOrganization } from "../../../core/okr/demo/demoOrganization.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient } from "./support.js";

let pacer: TestPacer;
beforeAll(async () => {
  pacer = await startTestPacer();
});
afterAll(async () => {
  await pacer?.close();
});

describe("demo organisation", () => {
  it("loads 3 teams, 12 objectives, 40 KRs of every kind with history, and loading again changes nothing", async () => {
    const first = await loadDemoOrganization(pacer.store);
    expect(first.inserted).toBeGreaterThan(100);
    expect((await loadDemoOrganization(pacer.store)).inserted).toBe(0);
    const okr = pacer.okr.store;
    expect(await okr.teams.count(DEMO_TENANT_ID)).toBe(3);
    expect(await okr.objectives.count(DEMO_TENANT_ID)).toBe(12);
    const keyResults = await okr.keyResults.find(DEMO_TENANT_ID);
    expect(keyResults).toHaveLength(40);
    expect(new Set(keyResults.map((kr) => kr.measurement.kind))).toEqual(new Set(["percent", "metric", "kpi", "milestone"]));
    expect(await okr.projects.count(DEMO_TENANT_ID)).toBe(3);
    expect(await okr.checkIns.count(DEMO_TENANT_ID)).toBeGreaterThan(40);

    const api = apiClient(pacer);
    const dana = { tenantId: DEMO_TENANT_ID, oid: DEMO_USER.oid, name: DEMO_USER.name };
    expect((await api(dana, "GET", "/me")).body.user.orgRole).toBe("owner");
    const current = (await api(dana, "GET", "/periods/current")).body;
    const objectives = (await api(dana, "GET", `/objectives?periodId=${current.id}&limit=100`)).body.items;
    expect(objectives).toHaveLength(10);
    const statuses = new Set(objectives.flatMap((o: { keyResults: { status: string }[] }) => o.keyResults.map((k) => k.status)));
    expect(statuses.size).toBeGreaterThanOrEqual(2);
    const csv = await api(dana, "GET", `/export/okrs.csv?periodId=${current.id}`);
    expect((csv.body as string).split("\r\n").filter((l) => l.startsWith("key_result,")).length).toBeGreaterThan(30);
  });
});
