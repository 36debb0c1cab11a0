import nock from "nock";
import { beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import { projectTasksFromItems } from "../../../sync/connectors/azuredevops/projectTasks.js";
import azuredevops, { queryLink } from "../../../sync/connectors/azuredevops/index.js";
import { type AdoConfig, type AdoSecrets, clearStateCache } from "../../../sync/connectors/azuredevops/client.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import { RateLimitedError } from "../../../sync/connectors/errors.js";
import * as errors from "../../fixtures/azuredevops/errors.js";
import * as queries from "../../fixtures/azuredevops/queries.js";
import * as states from "../../fixtures/azuredevops/states.js";
import * as wiql from "../../fixtures/azuredevops/wiql.js";
import { batch, roadmapItems, type Item } from "../../fixtures/azuredevops/workItems.js";
import { guardNock } from "../../support/nockGuard.js";
import { connectorErrorFrom } from "../../support/thrown.js";

const ADO = "https://dev.azure.com";
const P = "/fabrikam/Fabrikam-Fiber";
const PAT = "pat-0123456789abcdef";
const BASIC = `Basic ${Buffer.from(`:${PAT}`).toString("base64")}`;
const log = createLogger("silent");
const v = { "api-version": "7.1" };

const pat: AdoConfig = { organization: "fabrikam", project: "Fabrikam-Fiber", auth: "pat" };
function ctx(config: Partial<AdoConfig> = {}, secrets: AdoSecrets = { pat: PAT }) {
  return connectorContext<AdoConfig, AdoSecrets>({ config: { ...pat, ...config }, secrets, log, deadlineMs: 10_000 });
}
const ado = () => nock(ADO, { reqheaders: { authorization: BASIC } });

/** Serves `POST workitemsbatch` for exactly these ids (in order, ≤ 200 per call). */
function serveBatch(scope: nock.Scope, items: readonly Item[]) {
  for (let i = 0; i < items.length; i += 200) {
    const slice = items.slice(i, i + 200);
    scope
      .post(`${P}/_apis/wit/workitemsbatch`, (body: { ids: number[]; fields: string[]; errorPolicy: string }) =>
        JSON.stringify(body.ids) === JSON.stringify(slice.map((s) => s.id)) && body.fields.includes("System.State") && body.errorPolicy === "Omit",
      )
      .query(v)
      .reply(200, batch(slice));
  }
}
const serveStates = (scope: nock.Scope, type: string, body: nock.Body) =>
  scope.get(`${P}/_apis/wit/workitemtypes/${encodeURIComponent(type)}/states`).query(v).reply(200, body);

guardNock("Azure DevOps", { loopback: false });
beforeEach(() => clearStateCache());

describe("Azure DevOps connection", () => {
  it("tests a PAT connection against the project's query folders (Basic base64(':' + pat))", async () => {
    ado().get(`${P}/_apis/wit/queries`).query({ $depth: "0", ...v }).reply(200, queries.rootFolders);
    const result = await azuredevops.testConnection(ctx());
    expect(result.message).toBe("Connected to https://dev.azure.com/fabrikam, project Fabrikam-Fiber.");
  });

  it("uses an Azure DevOps Server collection URL", async () => {
    nock("https://tfs.contoso.com", { reqheaders: { authorization: BASIC } })
      .get("/tfs/DefaultCollection/Fabrikam-Fiber/_apis/wit/queries")
      .query({ $depth: "0", ...v })
      .reply(200, queries.rootFolders);
    const result = await azuredevops.testConnection(ctx({ serverUrl: "https://tfs.contoso.com/tfs/DefaultCollection/" }));
    expect(result.message).toContain("https://tfs.contoso.com/tfs/DefaultCollection");
  });

  it("says plainly that a 203 sign-in page means the token was refused", async () => {
    ado().get(`${P}/_apis/wit/queries`).query(true).reply(203, errors.signInPage, { "Content-Type": "text/html; charset=utf-8" });
    const error = await connectorErrorFrom(azuredevops.testConnection(ctx()));
    expect(error.type).toBe("auth");
    expect(error.message).toMatch(/personal access token .*HTTP 203, a sign-in page.*Work Items: Read/);
  });

  it.each([
    [202, { "Content-Type": "text/html" }],
    [302, { Location: "https://app.vssps.visualstudio.com/_signin?realm=dev.azure.com" }],
  ] as const)("treats HTTP %i to a sign-in page as refused credentials", async (status, headers) => {
    ado().get(`${P}/_apis/wit/queries`).query(true).reply(status, status === 202 ? errors.signInPage : "", headers);
    const error = await connectorErrorFrom(azuredevops.testConnection(ctx()));
    expect(error.type).toBe("auth");
    expect(error.message).toContain(`HTTP ${status}, a sign-in page`);
  });

  it("maps 401 to an auth error", async () => {
    ado().get(`${P}/_apis/wit/queries`).query(true).reply(401, "", { "WWW-Authenticate": "Basic realm=\"https://dev.azure.com/\"" });
    const error = await connectorErrorFrom(azuredevops.testConnection(ctx()));
    expect(error.type).toBe("auth");
    expect(error.message).toContain("HTTP 401");
  });

  it("detects the organisation's OAuth policy refusal for Entra sign-ins (TF400813)", async () => {
    nock(ADO, { reqheaders: { authorization: "Bearer entra-token" } }).get(`${P}/_apis/wit/queries`).query(true).reply(401, errors.unauthorizedTf400813);
    const error = await connectorErrorFrom(azuredevops.testConnection(ctx({ auth: "entra" }, { accessToken: "entra-token" })));
    expect(error.type).toBe("auth");
    expect(error.message).toContain("Third-party application access via OAuth");
  });

  it("reports an unknown project as a config error", async () => {
    ado().get(`/fabrikam/Nope/_apis/wit/queries`).query(true).reply(404, errors.projectNotFound);
    const error = await connectorErrorFrom(azuredevops.testConnection(ctx({ project: "Nope" })));
    expect(error.type).toBe("config");
    expect(error.message).toContain("no project “Nope”");
  });

  it("refuses a connection without credentials before calling Azure DevOps", async () => {
    const error = await connectorErrorFrom(azuredevops.testConnection(ctx({}, {})));
    expect(error.type).toBe("auth");
  });
});

describe("Azure DevOps shared query search", () => {
  it("searches by name and keeps shared queries only (no My Queries, no folders)", async () => {
    ado().get(`${P}/_apis/wit/queries`).query({ $filter: "bugs", $top: "50", $expand: "wiql", ...v }).reply(200, queries.searchBugs);
    const found = await azuredevops.listResources!(ctx(), { search: "bugs" });
    expect(found).toEqual([
      { id: queries.ids.openBugs, name: "Shared Queries/Quality/Open bugs", kind: "flat query", source: { queryId: queries.ids.openBugs, queryName: "Open bugs" } },
    ]);
  });

  it("offers nothing before a search is typed", async () => {
    expect(await azuredevops.listResources!(ctx(), { search: "  " })).toEqual([]);
  });

  it("answers a chosen query with its count of matching work items (each once)", async () => {
    const scope = ado();
    scope.get(`${P}/_apis/wit/queries/${queries.ids.roadmap}`).query(v).reply(200, queries.roadmapQuery);
    scope.get(`${P}/_apis/wit/wiql/${queries.ids.roadmap}`).query(v).reply(200, wiql.roadmapTree);
    const [chosen] = await azuredevops.listResources!(ctx(), { search: queries.ids.roadmap });
    expect(chosen).toMatchObject({ id: queries.ids.roadmap, kind: "tree query", count: 11 });
  });
});

describe("Azure DevOps key results", () => {
  // Flat "Open bugs": stories 1 Closed, 2 Active, 3 Removed, 4 New; bugs 5 Closed, 6 Resolved.
  const mixed: Item[] = [
    { id: 1, type: "User Story", state: "Closed" },
    { id: 2, type: "User Story", state: "Active" },
    { id: 3, type: "User Story", state: "Removed" },
    { id: 4, type: "User Story", state: "New" },
    { id: 5, type: "Bug", state: "Closed" },
    { id: 6, type: "Bug", state: "Resolved" },
  ];
  function serveMixed(types: ("User Story" | "Bug")[]) {
    const scope = ado();
    scope.get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`).query(v).reply(200, wiql.flat(mixed.map((m) => m.id)));
    serveBatch(scope, mixed);
    if (types.includes("User Story")) serveStates(scope, "User Story", states.userStory);
    if (types.includes("Bug")) serveStates(scope, "Bug", states.bug);
  }

  it("measures % completed over every type; removed items leave the total; Resolved is not completed", async () => {
    serveMixed(["User Story", "Bug"]);
    const value = await azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "percentCompleted" });
    expect(value.value).toBe(40);
    expect(value.details).toBe("2 of 5 work items completed");
  });

  it("measures % completed of one work item type (its states only are fetched)", async () => {
    serveMixed(["User Story"]);
    const value = await azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "percentCompleted", workItemType: "user story" });
    expect(value.value).toBeCloseTo(33.33, 2);
    expect(value.details).toBe("1 of 3 user story work items completed");
  });

  it("counts total and completed work items, with and without a type", async () => {
    serveMixed(["User Story", "Bug"]);
    expect((await azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "countTotal" })).value).toBe(5);
    // States are cached per type: the next runs ask for work items only.
    const scope = ado();
    for (let i = 0; i < 2; i++) {
      scope.get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`).query(v).reply(200, wiql.flat(mixed.map((m) => m.id)));
      serveBatch(scope, mixed);
    }
    expect((await azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "countCompleted" })).value).toBe(2);
    expect((await azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "countCompleted", workItemType: "Bug" })).value).toBe(1);
  });

  it("follows state categories of a custom process with renamed states", async () => {
    const items: Item[] = [
      { id: 41, type: "Initiative", state: "Shipped" },
      { id: 42, type: "Initiative", state: "Verifying" },
      { id: 43, type: "Initiative", state: "Dropped" },
      { id: 44, type: "Initiative", state: "Idea" },
    ];
    const scope = ado();
    scope.get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`).query(v).reply(200, wiql.flat(items.map((i) => i.id)));
    serveBatch(scope, items);
    serveStates(scope, "Initiative", states.initiative);
    const value = await azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "percentCompleted" });
    expect(value.value).toBeCloseTo(33.33, 2);
    expect(value.details).toBe("1 of 3 work items completed");
  });

  it("fetches more than 200 work items in batches of 200", async () => {
    const items: Item[] = Array.from({ length: 450 }, (_, i) => ({ id: 5000 + i, type: "Task", state: i % 3 === 0 ? "Closed" : "Active" }));
    const scope = ado();
    scope.get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`).query(v).reply(200, wiql.flat(items.map((i) => i.id)));
    serveBatch(scope, items);
    serveStates(scope, "Task", states.task);
    const value = await azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "countCompleted" });
    expect(value.value).toBe(150);
    expect(value.details).toBe("150 of 450 work items completed");
  });

  it("counts every work item of a one-hop query once, and leaves out items deleted since the query ran", async () => {
    const scope = ado();
    scope.get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`).query(v).reply(200, wiql.oneHopRelated);
    scope
      .post(`${P}/_apis/wit/workitemsbatch`, (body: { ids: number[] }) => JSON.stringify(body.ids) === "[5,7,6]")
      .query(v)
      .reply(200, batch([{ id: 5, type: "User Story", state: "Closed" }, { id: 7, type: "Bug", state: "Active" }, null]));
    serveStates(scope, "User Story", states.userStory);
    serveStates(scope, "Bug", states.bug);
    const value = await azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "percentCompleted" });
    expect(value.value).toBe(50);
  });

  it("reports a deleted query as a config error", async () => {
    ado().get(`${P}/_apis/wit/wiql/${queries.ids.deleted}`).query(v).reply(404, errors.queryNotFound(queries.ids.deleted));
    const error = await connectorErrorFrom(azuredevops.fetchValue!(ctx(), { queryId: queries.ids.deleted, measure: "countTotal" }));
    expect(error.type).toBe("config");
    expect(error.message).toContain("query was not found");
  });

  it("gives a clear error for queries over 20,000 results", async () => {
    ado().get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`).query(v).reply(400, errors.tooManyResults);
    const error = await connectorErrorFrom(azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "countTotal" }));
    expect(error.type).toBe("config");
    expect(error.message).toContain("more than 20,000 work items");
  });

  it("turns 429 with Retry-After into a rate-limited error", async () => {
    ado().get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`).query(v).reply(429, "", errors.blockedHeaders);
    const error = await connectorErrorFrom(azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "countTotal" }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(30_000);
  });

  it("uses X-RateLimit-Reset when a 429 has no Retry-After", async () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    ado().get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`).query(v).reply(429, "", { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(reset) });
    const error = (await connectorErrorFrom(azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "countTotal" }))) as RateLimitedError;
    expect(error.type).toBe("rateLimited");
    expect(error.retryAfterMs).toBeGreaterThan(100_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it("stops sending after a delayed answer asks to slow down (Retry-After on a 200)", async () => {
    ado()
      .get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`)
      .query(v)
      .reply(200, wiql.flat([1, 2]), { "Retry-After": "12", "X-RateLimit-Delay": "2.5", "X-RateLimit-Resource": "ATCPU" });
    const error = (await connectorErrorFrom(azuredevops.fetchValue!(ctx(), { queryId: queries.ids.openBugs, measure: "countTotal" }))) as RateLimitedError;
    expect(error.type).toBe("rateLimited");
    expect(error.retryAfterMs).toBe(12_000);
  });
});

describe("Azure DevOps projects", () => {
  it("syncs a 3-level query tree with per-level progress, roll-up and links", async () => {
    const items = roadmapItems;
    const scope = ado();
    scope.get(`${P}/_apis/wit/wiql/${queries.ids.roadmap}`).query(v).reply(200, wiql.roadmapTree);
    scope
      .post(`${P}/_apis/wit/workitemsbatch`, (body: { ids: number[] }) => JSON.stringify(body.ids) === "[1,10,100,101,1000,11,2,20,3,30,31]")
      .query(v)
      .reply(200, batch(items));
    for (const type of ["Epic", "Feature", "User Story", "Task"]) serveStates(scope, type, type === "Task" ? states.task : states.userStory);

    const tree = await azuredevops.fetchItems!(ctx(), { queryId: queries.ids.roadmap, measure: "percentCompleted" });
    const [epic1, epic2, epic3] = tree;
    expect(tree).toHaveLength(3);
    expect(epic1).toMatchObject({ id: "1", title: "Sign-in", state: "in_progress", url: "https://dev.azure.com/fabrikam/Fabrikam-Fiber/_workitems/edit/1" });
    const [feature10, feature11] = epic1!.children;
    expect(feature10!.progress).toBe(50); // one of two stories closed
    expect(feature10!.children.map((c) => c.id)).toEqual(["100", "101"]);
    expect(feature10!.children[1]!.children).toEqual([]); // level 4 is left out
    expect(feature11!.progress).toBe(100);
    expect(epic1!.progress).toBe(75);
    expect(epic2).toMatchObject({ state: "removed", progress: null });
    expect(epic3!.progress).toBe(0);
    expect(epic3!.children.map((c) => [c.id, c.state])).toEqual([["30", "proposed"], ["31", "removed"]]);

    const project = projectTasksFromItems(tree, queryLink(pat, queries.ids.roadmap));
    expect(project.queryUrl).toBe(`https://dev.azure.com/fabrikam/Fabrikam-Fiber/_queries/query/${queries.ids.roadmap}/`);
    expect(project.progress).toBe(37.5); // (75 + 0) / 2: the removed epic does not count
    expect(project.tasks.map((t) => [t.externalId, t.level, t.parentExternalId, t.done, t.progress])).toEqual([
      ["1", 1, null, false, 75],
      ["10", 2, "1", false, 50],
      ["100", 3, "10", true, 100],
      ["101", 3, "10", false, 0],
      ["11", 2, "1", true, 100],
      ["3", 1, null, false, 0],
      ["30", 2, "3", false, 0],
    ]);
    expect(project.tasks.every((t) => t.url?.startsWith("https://dev.azure.com/fabrikam/Fabrikam-Fiber/_workitems/edit/"))).toBe(true);
  });
});
