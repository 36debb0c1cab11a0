import { randomUUID } from "node:crypto";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearStateCache } from "../../../sync/connectors/azuredevops/client.js";
import * as errors from "../../fixtures/azuredevops/errors.js";
import * as queries from "../../fixtures/azuredevops/queries.js";
import * as states from "../../fixtures/azuredevops/states.js";
import * as wiql from "../../fixtures/azuredevops/wiql.js";
import { batch, roadmapItems, type Item } from "../../fixtures/azuredevops/workItems.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient, person, ok } from "../okr/support.js";
import { guardNock } from "../../support/nockGuard.js";

/**
 * A project filled from an Azure DevOps shared query, through Pacer's real HTTP API: link with a
 * preview, save, refresh → a 3-level task tree with links and rolled-up progress next to a manual
 * task; a failing refresh keeps the tasks and records the reason; objectives cannot be linked.
 * Azure DevOps is simulated with nock (tests/fixtures/azuredevops); loopback stays reachable.
 */
const ADO = "https://dev.azure.com";
const P = "/fabrikam/Fabrikam-Fiber";
const PAT = "pat-0123456789abcdef";
const v = { "api-version": "7.1" };

let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenant = randomUUID();
const owner = person(tenant, "Olga Owner");
const member = person(tenant, "Max Member");
const ids: Record<string, string> = {};

const items: readonly Item[] = roadmapItems;

/** The roadmap tree query, its work items and each type's states (the state cache is cleared first). */
function serveRoadmap(list: readonly Item[] = items) {
  clearStateCache();
  const scope = nock(ADO, { reqheaders: { authorization: `Basic ${Buffer.from(`:${PAT}`).toString("base64")}` } });
  scope.get(`${P}/_apis/wit/wiql/${queries.ids.roadmap}`).query(v).reply(200, wiql.roadmapTree);
  scope
    .post(`${P}/_apis/wit/workitemsbatch`, (body: { ids: number[] }) => JSON.stringify(body.ids) === "[1,10,100,101,1000,11,2,20,3,30,31]")
    .query(v)
    .reply(200, batch(list));
  for (const type of ["Epic", "Feature", "User Story", "Task"]) {
    scope.get(`${P}/_apis/wit/workitemtypes/${encodeURIComponent(type)}/states`).query(v).reply(200, type === "Task" ? states.task : states.userStory);
  }
}

beforeAll(async () => {
  pacer = await startTestPacer();
  api = apiClient(pacer);
  ok(await api(owner, "GET", "/me"));
  ok(await api(member, "GET", "/me"));
  const periodId = ok(await api(owner, "GET", "/periods/current")).id;
  const objective = ok(await api(owner, "POST", "/objectives", { title: "Ship sign-in", periodId, keyResults: [{ title: "Done", measurement: { kind: "percent" } }] }), 201);
  ids.objective = objective.id;
  ids.project = ok(await api(owner, "POST", "/projects", { title: "Roadmap", objectiveId: objective.id, tasks: [{ title: "Write the launch post" }] }), 201).id;
  ok(await api(owner, "POST", "/integrations/azuredevops/enable", {}));
  ids.connection = ok(
    await api(owner, "POST", "/integrations/azuredevops/connections", {
      name: "fabrikam / Fabrikam-Fiber",
      visibility: "shared",
      config: { organization: "fabrikam", project: "Fabrikam-Fiber" },
      secrets: { pat: PAT },
    }),
    201,
  ).id;
});
afterAll(async () => {
  await pacer?.close();
});
guardNock("Azure DevOps");

describe("a project filled from an Azure DevOps shared query", () => {
  const source = { queryId: queries.ids.roadmap, queryName: "Roadmap" };
  const queryUrl = `https://dev.azure.com/fabrikam/Fabrikam-Fiber/_queries/query/${queries.ids.roadmap}/`;

  it("previews the tree's tasks and rolled-up progress before saving", async () => {
    serveRoadmap();
    const preview = ok(await api(owner, "POST", `/projects/${ids.project}/link/preview`, { connectionId: ids.connection, source }));
    expect(preview).toMatchObject({ progress: 37.5, sourceUrl: queryUrl, truncated: 0, details: "7 tasks" });
    expect(preview.tasks.map((t: { externalId: string; level: number }) => [t.externalId, t.level])).toEqual([
      ["1", 1],
      ["10", 2],
      ["100", 3],
      ["101", 3],
      ["11", 2],
      ["3", 1],
      ["30", 2],
    ]);
  });

  it("saves the link, and a refresh replaces the synced tasks (manual ones kept), with links and progress", async () => {
    const link = ok(await api(owner, "PUT", `/projects/${ids.project}/link`, { connectionId: ids.connection, source }));
    expect(link).toMatchObject({ target: { type: "project", id: ids.project }, status: "pending", integrationId: "azuredevops" });

    serveRoadmap();
    const refreshed = ok(await api(owner, "POST", `/projects/${ids.project}/link/refresh`));
    expect(refreshed).toMatchObject({ ok: true, value: 37.5, details: "7 tasks", link: { status: "ok", lastValue: 37.5 } });
    const project = ok(await api(owner, "GET", `/projects/${ids.project}`));
    expect(project.progress).toBe(37.5);
    expect(project.sync).toMatchObject({ integrationId: "azuredevops", sourceUrl: queryUrl });
    const [manual, ...synced] = project.tasks;
    expect(manual).toMatchObject({ title: "Write the launch post", done: false });
    expect(manual.source).toBeUndefined();
    expect(synced.map((t: Record<string, unknown>) => [t.externalId, t.level, t.parentExternalId, t.done, t.progress])).toEqual([
      ["1", 1, null, false, 75],
      ["10", 2, "1", false, 50],
      ["100", 3, "10", true, 100],
      ["101", 3, "10", false, 0],
      ["11", 2, "1", true, 100],
      ["3", 1, null, false, 0],
      ["30", 2, "3", false, 0],
    ]);
    expect(synced[0]).toMatchObject({ source: "azuredevops", title: "Sign-in", url: "https://dev.azure.com/fabrikam/Fabrikam-Fiber/_workitems/edit/1" });

    // A second sync replaces, never appends; a story closed meanwhile moves the roll-up.
    serveRoadmap(items.map((i) => (i.id === 101 ? { ...i, state: "Closed" } : i)));
    const again = ok(await api(owner, "POST", `/projects/${ids.project}/link/refresh`));
    expect(again.project.tasks).toHaveLength(8);
    expect(again.project.progress).toBe(50); // epic 1 at 100, epic 3 at 0
    expect(again.project.tasks.find((t: { externalId?: string }) => t.externalId === "10")).toMatchObject({ progress: 100, done: false });

    // The admin's list of links names the project, not a "deleted key result".
    const { items: listed } = ok(await api(owner, "GET", "/integrations/links?integrationId=azuredevops"));
    expect(listed.find((l: { target: { id: string } }) => l.target.id === ids.project)).toMatchObject({ target: { type: "project" }, keyResultTitle: "Roadmap" });
  });

  it("a failing refresh keeps the tasks and records the reason on the link", async () => {
    clearStateCache();
    nock(ADO).get(`${P}/_apis/wit/wiql/${queries.ids.roadmap}`).query(v).reply(404, errors.queryNotFound(queries.ids.roadmap));
    const failed = await api(owner, "POST", `/projects/${ids.project}/link/refresh`);
    expect(failed.status).toBe(422);
    expect(failed.body.error).toMatchObject({ id: "source_error", details: { type: "config" } });
    const link = ok(await api(owner, "GET", `/projects/${ids.project}/link`));
    expect(link).toMatchObject({ status: "failed", lastValue: 50, lastError: { type: "config", message: expect.stringContaining("query was not found") } });
    const project = ok(await api(owner, "GET", `/projects/${ids.project}`));
    expect(project.tasks).toHaveLength(8);
    expect(project.progress).toBe(50);
  });

  it("objectives cannot be linked; only editors link projects; a source without items is refused", async () => {
    const objective = await api(owner, "PUT", `/projects/${ids.objective}/link`, { connectionId: ids.connection, source });
    expect(objective.status).toBe(400);
    expect(objective.body.error.id).toBe("objective_not_linkable");
    expect((await api(owner, "POST", `/objectives/${ids.objective}/link`, {})).body.error.id).toBe("objective_not_linkable");
    const stranger = await api(member, "PUT", `/projects/${ids.project}/link`, { connectionId: ids.connection, source });
    expect(stranger.status).toBe(403);

    ok(await api(owner, "POST", "/integrations/zapier/enable", {}));
    const zap = ok(await api(owner, "POST", "/integrations/zapier/connections", { name: "Zap", visibility: "shared", config: {}, secrets: {} }), 201);
    const refused = await api(owner, "PUT", `/projects/${ids.project}/link`, { connectionId: zap.id, source: {} });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("cannot fill a project's tasks");
  });

  it("unlinking keeps the tasks; progress is again the share of done tasks", async () => {
    const reply = await api(owner, "DELETE", `/projects/${ids.project}/link`);
    expect(reply.status).toBeLessThan(300);
    expect((await api(owner, "GET", `/projects/${ids.project}/link`)).status).toBe(404);
    const project = ok(await api(owner, "GET", `/projects/${ids.project}`));
    expect(project.sync).toBeNull();
    expect(project.tasks).toHaveLength(8);
  });
});
