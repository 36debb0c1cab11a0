import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient, person, ok } from "./support.js";

let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenant = randomUUID();
const owner = person(tenant, "Olga Owner");
const mia = person(tenant, "Mia Member");
const stranger = person(randomUUID(), "Sid Stranger");

const customPeriod = async (name: string) => ok(await api(owner, "POST", "/periods", { name, startDate: "2021-01-01", endDate: "2021-03-31" }), 201);
const periodIds = async () => ok(await api(owner, "GET", "/periods")).items.map((p: { id: string }) => p.id);

beforeAll(async () => {
  pacer = await startTestPacer();
  api = apiClient(pacer);
  ok(await api(owner, "GET", "/me"));
  ok(await api(mia, "GET", "/me"));
});
afterAll(async () => {
  await pacer?.close();
});

describe("DELETE /periods/:id", () => {
  it("an admin deletes an unused custom period: 204, gone from the list, a second delete is 404", async () => {
    const period = await customPeriod("Sprint 1");
    expect(await periodIds()).toContain(period.id);
    expect((await api(owner, "DELETE", `/periods/${period.id}`)).status).toBe(204);
    expect(await periodIds()).not.toContain(period.id);
    expect((await api(owner, "GET", `/periods/${period.id}`)).status).toBe(404);
    expect(ok(await api(owner, "DELETE", `/periods/${period.id}`), 404).error.id).toBe("not_found");
  });

  it("a member gets 403 and the period stays", async () => {
    const period = await customPeriod("Sprint 2");
    expect(ok(await api(mia, "DELETE", `/periods/${period.id}`), 403).error.id).toBe("forbidden");
    expect(await periodIds()).toContain(period.id);
  });

  it("another tenant's period is 404, never 403", async () => {
    const period = await customPeriod("Sprint 3");
    expect((await api(stranger, "DELETE", `/periods/${period.id}`)).status).toBe(404);
    expect(await periodIds()).toContain(period.id);
  });

  it("a period with objectives is refused with 409 and their count; once they are gone it can go", async () => {
    const period = await customPeriod("Sprint 4");
    const objectives = [];
    for (const title of ["One", "Two", "Three"]) objectives.push(ok(await api(owner, "POST", "/objectives", { title, periodId: period.id }), 201));
    const refused = ok(await api(owner, "DELETE", `/periods/${period.id}`), 409);
    expect(refused.error.id).toBe("conflict");
    expect(refused.error.message).toBe('"Sprint 4" is still in use. Move or delete its 3 objectives first.');
    expect(refused.error.details).toEqual({ objectives: 3, feedQueries: 0 });
    expect(await periodIds()).toContain(period.id);

    const current = ok(await api(owner, "GET", "/periods/current"));
    ok(await api(owner, "PATCH", `/objectives/${objectives[0].id}`, { periodId: current.id, version: objectives[0].version }));
    ok(await api(owner, "DELETE", `/objectives/${objectives[1].id}`), 204);
    expect(ok(await api(owner, "DELETE", `/periods/${period.id}`), 409).error.details).toEqual({ objectives: 1, feedQueries: 0 });
    ok(await api(owner, "DELETE", `/objectives/${objectives[2].id}`), 204);
    expect((await api(owner, "DELETE", `/periods/${period.id}`)).status).toBe(204);
  });

  it("a period a Power BI feed query names is refused too", async () => {
    const period = await customPeriod("Sprint 5");
    const query = ok(await api(owner, "POST", "/powerbi/queries", { name: "Sprint 5 only", periodIds: [period.id] }), 201);
    const refused = ok(await api(owner, "DELETE", `/periods/${period.id}`), 409);
    expect(refused.error.message).toBe('"Sprint 5" is still in use. Remove it from 1 Power BI feed query first.');
    expect(refused.error.details).toEqual({ objectives: 0, feedQueries: 1 });
    ok(await api(owner, "DELETE", `/powerbi/queries/${query.id}`), 204);
    expect((await api(owner, "DELETE", `/periods/${period.id}`)).status).toBe(204);
  });

  it("the current quarter cannot be deleted (409); another quarter can", async () => {
    const current = ok(await api(owner, "GET", "/periods/current"));
    const refused = ok(await api(owner, "DELETE", `/periods/${current.id}`), 409);
    expect(refused.error.message).toMatch(/current quarter.*created again/);
    expect(ok(await api(owner, "GET", "/periods/current")).id).toBe(current.id);

    const old = ok(await api(owner, "POST", "/periods", { quarter: "2020-Q1" }), 201);
    expect((await api(owner, "DELETE", `/periods/${old.id}`)).status).toBe(204);
    expect(await periodIds()).not.toContain(old.id);
  });

  it("honours If-Match: a stale version is 409, the current one deletes", async () => {
    const period = await customPeriod("Sprint 6");
    const renamed = ok(await api(owner, "PATCH", `/periods/${period.id}`, { name: "Sprint 6b", version: period.version }));
    const stale = ok(await api(owner, "DELETE", `/periods/${period.id}`, undefined, { "If-Match": `"${period.version}"` }), 409);
    expect(stale.error.details).toEqual({ currentVersion: renamed.version });
    expect(await periodIds()).toContain(period.id);
    expect((await api(owner, "DELETE", `/periods/${period.id}`, undefined, { "If-Match": `"${renamed.version}"` })).status).toBe(204);
  });

  it("an objective that lands in the period during the delete gets the period back, and the caller a 409", async () => {
    const period = await customPeriod("Sprint 7");
    const current = ok(await api(owner, "GET", "/periods/current"));
    const template = ok(await api(owner, "POST", "/objectives", { title: "Racer", periodId: current.id }), 201);
    const periods = pacer.okr.store.periods;
    const realDelete = periods.delete.bind(periods);
    // A writer that checked the period before the delete writes its objective right after it.
    const spy = vi.spyOn(periods, "delete").mockImplementationOnce(async (tenantId, id) => {
      const deleted = await realDelete(tenantId, id);
      const doc = await pacer.okr.store.objectives.findById(tenantId, template.id);
      const { _id, tenantId: _t, version: _v, createdAt: _c, updatedAt: _u, ...rest } = doc!;
      await pacer.okr.store.objectives.insert(tenantId, { ...rest, periodId: id });
      return deleted;
    });
    const refused = ok(await api(owner, "DELETE", `/periods/${period.id}`), 409);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(refused.error.details).toMatchObject({ objectives: 1 });
    const restored = ok(await api(owner, "GET", `/periods/${period.id}`));
    expect(restored).toMatchObject({ id: period.id, key: period.key, name: "Sprint 7", startDate: "2021-01-01", endDate: "2021-03-31" });
    expect(ok(await api(owner, "GET", `/objectives?periodId=${period.id}`)).items).toHaveLength(1);
  });

  it("is in the OpenAPI document", async () => {
    const doc = ok(await api(undefined, "GET", "/openapi.json"));
    expect(doc.paths["/periods/{id}"].delete).toBeDefined();
  });
});
