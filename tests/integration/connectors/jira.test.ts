import nock from "nock";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import { MAX_ISSUES, type JiraConfig, type JiraSecrets } from "../../../sync/connectors/jira/client.js";
import jira from "../../../sync/connectors/jira/index.js";
import { countJql, withoutOrderBy } from "../../../sync/connectors/jira/jql.js";
import { projectTasksFromItems } from "../../../sync/connectors/azuredevops/projectTasks.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import { RateLimitedError } from "../../../sync/connectors/errors.js";
import * as errors from "../../fixtures/jira/errors.js";
import * as filters from "../../fixtures/jira/filters.js";
import * as myself from "../../fixtures/jira/myself.js";
import * as search from "../../fixtures/jira/search.js";
import { guardNock } from "../../support/nockGuard.js";
import { connectorErrorFrom } from "../../support/thrown.js";

/**
 * The "jira" connector's definition against a simulated Jira (nock, fixtures in tests/fixtures/jira):
 * Cloud (REST v3, Basic email:token, search/jql + approximate-count) and Data Center (REST v2,
 * Bearer PAT, search with startAt/total), pickers, measures, the issue tree and every error type.
 */
const SITE = "https://contoso.atlassian.net";
const DC = "https://jira.contoso.com";
const EMAIL = "mia@contoso.com";
const TOKEN = "ATATT3xFfGF0-test-token";
const PAT = "NjM4NzE2MzQ3NzY5OkSRl-test-pat";
const BASIC = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64")}`;
const log = createLogger("silent");

const cloud: JiraConfig = { siteUrl: `${SITE}/`, deployment: "cloud", email: EMAIL };
const dc: JiraConfig = { siteUrl: `${DC}/jira`, deployment: "datacenter" };
function ctx(config: JiraConfig = cloud, secrets: JiraSecrets = { token: config.deployment === "cloud" ? TOKEN : PAT }) {
  return connectorContext<JiraConfig, JiraSecrets>({ config, secrets, log, deadlineMs: 10_000 });
}
const api3 = () => nock(SITE, { reqheaders: { authorization: BASIC, accept: "application/json" } });
const api2 = () => nock(DC, { reqheaders: { authorization: `Bearer ${PAT}` } });
/** POST approximate-count for exactly this JQL. */
const count = (jql: string, n: number) => api3().post("/rest/api/3/search/approximate-count", { jql }).reply(200, search.approximateCount(n));

guardNock("Jira", { loopback: false });

describe("JQL for counting", () => {
  it("drops a top-level ORDER BY but not one inside a quoted string, and wraps the query", () => {
    expect(withoutOrderBy("project = SHOP ORDER BY Rank ASC")).toBe("project = SHOP");
    expect(withoutOrderBy('summary ~ "order by date" order by created')).toBe('summary ~ "order by date"');
    expect(withoutOrderBy("summary ~ 'it\\'s order by' AND reorder = 1")).toBe("summary ~ 'it\\'s order by' AND reorder = 1");
    expect(withoutOrderBy("(project = A)ORDER BY key")).toBe("(project = A)");
    expect(countJql("project = A OR project = B ORDER BY key", { issueType: 'Story "x"', done: true })).toBe(
      '(project = A OR project = B) AND issuetype = "Story \\"x\\"" AND statusCategory = Done',
    );
  });
});

describe("Jira connection", () => {
  it("Cloud: GET /rest/api/3/myself with Basic email:API token", async () => {
    api3().get("/rest/api/3/myself").reply(200, myself.cloud);
    expect(await jira.testConnection(ctx())).toEqual({ message: "Connected to https://contoso.atlassian.net as Mia Krystof." });
  });

  it("Data Center: GET /rest/api/2/myself with the PAT as Bearer, under the context path", async () => {
    api2().get("/jira/rest/api/2/myself").reply(200, myself.dataCenter);
    expect(await jira.testConnection(ctx(dc))).toEqual({ message: "Connected to https://jira.contoso.com/jira as Fred F. User." });
  });

  it("a revoked token or wrong email is an auth error that says so", async () => {
    nock(SITE).get("/rest/api/3/myself").reply(401, errors.unauthorizedText, { "content-type": "text/plain" });
    const error = await connectorErrorFrom(jira.testConnection(ctx()));
    expect(error.type).toBe("auth");
    expect(error.message).toBe("Jira refused the credentials (HTTP 401): the API token was revoked or the email is wrong.");
    expect(error.message).not.toContain(TOKEN);
  });

  it("403 is an auth error about permissions", async () => {
    api3().get("/rest/api/3/myself").reply(403, { errorMessages: ["You do not have permission to view this."], errors: {} });
    const error = await connectorErrorFrom(jira.testConnection(ctx()));
    expect(error.type).toBe("auth");
    expect(error.message).toMatch(/Browse projects permission.*You do not have permission/);
  });

  it("an unknown site is a config error: 404, a host that does not resolve, or a page that is not Jira", async () => {
    nock("https://nosuch.atlassian.net").get("/rest/api/3/myself").reply(404, "<html><body>Site not found</body></html>", { "content-type": "text/html" });
    const notFound = await connectorErrorFrom(jira.testConnection(ctx({ ...cloud, siteUrl: "https://nosuch.atlassian.net" })));
    expect(notFound.type).toBe("config");
    expect(notFound.message).toMatch(/^No Jira REST API at https:\/\/nosuch\.atlassian\.net \(HTTP 404\)/);

    nock("https://jira.nowhere.example").get("/rest/api/3/myself").replyWithError({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND jira.nowhere.example" });
    const dns = await connectorErrorFrom(jira.testConnection(ctx({ ...cloud, siteUrl: "https://jira.nowhere.example" })));
    expect(dns).toMatchObject({ type: "config", message: "Cannot find jira.nowhere.example: check the Jira site URL." });

    nock("https://www.contoso.com").get("/rest/api/3/myself").reply(200, "<!DOCTYPE html><html><title>Contoso</title></html>", { "content-type": "text/html" });
    const html = await connectorErrorFrom(jira.testConnection(ctx({ ...cloud, siteUrl: "https://www.contoso.com" })));
    expect(html).toMatchObject({ type: "config", message: "https://www.contoso.com did not answer like Jira's REST API: check the site URL." });
  });

  it("validates the forms: Cloud needs the email and https; secrets take the token", () => {
    expect(jira.schemas.connectionConfig.safeParse({ siteUrl: SITE }).success).toBe(false);
    expect(jira.schemas.connectionConfig.safeParse({ siteUrl: "http://contoso.atlassian.net", email: EMAIL }).success).toBe(false);
    expect(jira.schemas.connectionConfig.parse({ siteUrl: SITE, email: EMAIL })).toEqual({ siteUrl: SITE, email: EMAIL, deployment: "cloud" });
    expect(jira.schemas.connectionConfig.safeParse({ siteUrl: "http://jira.local:8080", deployment: "datacenter" }).success).toBe(true);
    expect(jira.schemas.secrets.safeParse({ token: "" }).success).toBe(false);
    expect(jira.schemas.sourceConfig.safeParse({ measure: "countAll" }).success).toBe(false);
    expect(jira.schemas.sourceConfig.parse({ jql: "project = SHOP" })).toEqual({ jql: "project = SHOP", measure: "percentDone" });
  });
});

describe("Jira source pickers", () => {
  it("lists favourite filters first, then filters whose name matches, each once", async () => {
    api3().get("/rest/api/3/filter/favourite").reply(200, filters.favourites);
    api3()
      .get("/rest/api/3/filter/search")
      .query({ filterName: "checkout", expand: "jql,favourite", maxResults: "50" })
      .reply(200, filters.searchPage([filters.checkoutBugs, filters.checkoutEpics], "checkout"));
    const resources = await jira.listResources!(ctx(), { search: "checkout" });
    expect(resources).toEqual([
      { id: "10010", name: "Checkout bugs", kind: "favourite filter", source: { filterId: "10010", filterName: "Checkout bugs", jql: filters.checkoutBugs.jql } },
      { id: "10011", name: "Checkout epics", kind: "filter", source: { filterId: "10011", filterName: "Checkout epics", jql: filters.checkoutEpics.jql } },
    ]);
  });

  it("with no search text lists the favourites only; Data Center lists its favourites", async () => {
    api3().get("/rest/api/3/filter/favourite").reply(200, filters.favourites);
    expect((await jira.listResources!(ctx(), {})).map((r) => r.name)).toEqual(["Checkout bugs", "Release 2.0"]);
    api2().get("/jira/rest/api/2/filter/favourite").reply(200, filters.favourites);
    expect((await jira.listResources!(ctx(dc), { search: "release" })).map((r) => r.id)).toEqual(["10012"]);
  });

  it("a picked filter id answers with the filter and its issue count (ORDER BY dropped)", async () => {
    api3().get("/rest/api/3/filter/10010").reply(200, filters.checkoutBugs);
    count("(project = SHOP AND issuetype = Bug)", 17);
    expect(await jira.listResources!(ctx(), { search: "10010" })).toEqual([
      { id: "10010", name: "Checkout bugs", kind: "favourite filter", source: { filterId: "10010", filterName: "Checkout bugs", jql: filters.checkoutBugs.jql }, count: 17 },
    ]);
  });
});

describe("Jira key result values", () => {
  const jql = 'project = SHOP AND fixVersion = "2.0" ORDER BY Rank ASC';

  it("percentDone counts all and Done issues with approximate-count: 42 of 120", async () => {
    count('(project = SHOP AND fixVersion = "2.0")', 120);
    count('(project = SHOP AND fixVersion = "2.0") AND statusCategory = Done', 42);
    const value = await jira.fetchValue!(ctx(), { jql, measure: "percentDone" });
    expect(value).toMatchObject({ value: 35, details: "42 of 120 issues done" });
    expect(value.asOf).toBeInstanceOf(Date);
  });

  it("countAll makes one call; countDone of one issue type", async () => {
    count('(project = SHOP AND fixVersion = "2.0")', 120);
    expect(await jira.fetchValue!(ctx(), { jql, measure: "countAll" })).toMatchObject({ value: 120, details: "120 issues" });
    count('(project = SHOP AND fixVersion = "2.0") AND issuetype = "Story"', 30);
    count('(project = SHOP AND fixVersion = "2.0") AND issuetype = "Story" AND statusCategory = Done', 12);
    expect(await jira.fetchValue!(ctx(), { jql, measure: "countDone", issueType: "Story" })).toMatchObject({ value: 12, details: "12 of 30 Story issues done" });
  });

  it("no issues is 0 %, not a division by zero", async () => {
    count("(project = EMPTY)", 0);
    count("(project = EMPTY) AND statusCategory = Done", 0);
    expect(await jira.fetchValue!(ctx(), { jql: "project = EMPTY", measure: "percentDone" })).toMatchObject({ value: 0, details: "0 of 0 issues done" });
  });

  it("a saved filter's current JQL is read at each sync", async () => {
    api3().get("/rest/api/3/filter/10012").reply(200, filters.releaseTwo);
    count('(project = SHOP AND fixVersion = "2.0")', 8);
    count('(project = SHOP AND fixVersion = "2.0") AND statusCategory = Done', 2);
    expect(await jira.fetchValue!(ctx(), { filterId: "10012", measure: "percentDone" })).toMatchObject({ value: 25, details: "2 of 8 issues done" });
  });

  it("Data Center counts with GET /rest/api/2/search?maxResults=0 (total)", async () => {
    const dcCount = (q: string, total: number) =>
      api2().get("/jira/rest/api/2/search").query({ jql: q, maxResults: "0", fields: "key" }).reply(200, search.dcPage([], 0, total, 0));
    dcCount('(project = SHOP AND fixVersion = "2.0")', 50);
    dcCount('(project = SHOP AND fixVersion = "2.0") AND statusCategory = Done', 20);
    expect(await jira.fetchValue!(ctx(dc), { jql, measure: "percentDone" })).toMatchObject({ value: 40, details: "20 of 50 issues done" });
  });

  it("bad JQL is a config error quoting Jira; a gone filter says so; an empty JQL is refused before any call", async () => {
    api3().post("/rest/api/3/search/approximate-count").reply(400, errors.badJql);
    const bad = await connectorErrorFrom(jira.fetchValue!(ctx(), { jql: "project = SHOP status Done", measure: "countAll" }));
    expect(bad.type).toBe("config");
    expect(bad.message).toBe(`Jira refused the JQL (HTTP 400): ${errors.badJql.errorMessages[0]}`);

    api3().get("/rest/api/3/filter/999").reply(404, errors.filterGone);
    const gone = await connectorErrorFrom(jira.fetchValue!(ctx(), { filterId: "999", measure: "countAll" }));
    expect(gone).toMatchObject({ type: "config", message: expect.stringMatching(/^The Jira filter 999 was not found/) });

    const empty = await connectorErrorFrom(jira.fetchValue!(ctx(), { jql: "ORDER BY created", measure: "countAll" }));
    expect(empty.type).toBe("config");
  });

  it("429 is rate limited with Retry-After (or X-RateLimit-Reset); 503 with Retry-After too; other 5xx are transient", async () => {
    api3().post("/rest/api/3/search/approximate-count").reply(429, errors.rateLimited, { "Retry-After": "30", "RateLimit-Reason": "jira-burst-based" });
    const limited = await connectorErrorFrom(jira.fetchValue!(ctx(), { jql: "project = SHOP", measure: "countAll" }));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(30_000);

    const reset = new Date(Date.now() + 5 * 60_000);
    reset.setUTCSeconds(0, 0);
    const iso = `${reset.toISOString().slice(0, 16)}Z`;
    api3().post("/rest/api/3/search/approximate-count").reply(429, errors.rateLimited, { "X-RateLimit-Reset": iso });
    const byReset = (await connectorErrorFrom(jira.fetchValue!(ctx(), { jql: "project = SHOP", measure: "countAll" }))) as RateLimitedError;
    expect(byReset.type).toBe("rateLimited");
    expect(byReset.retryAfterMs).toBeGreaterThan(3 * 60_000);
    expect(byReset.retryAfterMs).toBeLessThanOrEqual(5 * 60_000);

    api3().post("/rest/api/3/search/approximate-count").reply(503, "", { "Retry-After": "10" });
    expect(await connectorErrorFrom(jira.fetchValue!(ctx(), { jql: "project = SHOP", measure: "countAll" }))).toMatchObject({ type: "rateLimited", retryAfterMs: 10_000 });

    api3().post("/rest/api/3/search/approximate-count").reply(502, "Bad Gateway");
    expect(await connectorErrorFrom(jira.fetchValue!(ctx(), { jql: "project = SHOP", measure: "countAll" }))).toMatchObject({ type: "transient", message: "Jira answered HTTP 502." });
  });

  it("an answer of the wrong shape is a result shape error", async () => {
    api3().post("/rest/api/3/search/approximate-count").reply(200, { total: 3 });
    expect((await connectorErrorFrom(jira.fetchValue!(ctx(), { jql: "project = SHOP", measure: "countAll" }))).type).toBe("resultShape");
  });
});

describe("Jira project items", () => {
  const jql = "project = SHOP ORDER BY Rank ASC";
  const fields = "summary,status,issuetype,parent";

  it("Cloud: reads every page of search/jql (nextPageToken) and builds epic → issue → sub-task with links, states and roll-up", async () => {
    api3().get("/rest/api/3/search/jql").query({ jql, fields, maxResults: "100" }).reply(200, search.jqlPage(search.roadmap.slice(0, 4), "CAEaAggD"));
    api3().get("/rest/api/3/search/jql").query({ jql, fields, maxResults: "100", nextPageToken: "CAEaAggD" }).reply(200, search.jqlPage(search.roadmap.slice(4)));
    const tree = await jira.fetchItems!(ctx(), { jql, measure: "percentDone" });
    const flat = (nodes: typeof tree, level = 1): unknown[] => nodes.flatMap((n) => [[n.id, level, n.state, n.progress], ...flat(n.children, level + 1)]);
    expect(flat(tree)).toEqual([
      ["SHOP-1", 1, "in_progress", 75],
      ["SHOP-2", 2, "in_progress", 50],
      ["SHOP-3", 3, "done", 100],
      ["SHOP-4", 3, "proposed", 0],
      ["SHOP-5", 2, "done", 100],
      ["SHOP-7", 1, "proposed", 0],
      ["SHOP-8", 2, "proposed", 0],
      ["SHOP-9", 1, "done", 100],
    ]);
    expect(tree[0]).toMatchObject({ title: "SHOP-1 One-page checkout", url: "https://contoso.atlassian.net/browse/SHOP-1" });
    const project = projectTasksFromItems(tree, jira.sourceUrl!(cloud, { jql, measure: "percentDone" }));
    expect(project.progress).toBeCloseTo(58.33, 2);
    expect(project.queryUrl).toBe(`https://contoso.atlassian.net/issues/?jql=${encodeURIComponent(jql)}`);
  });

  it("a fourth level is left out", async () => {
    const deep: search.Spec[] = [
      { id: "1", key: "A-1", summary: "Initiative", type: "Epic", category: "new" },
      { id: "2", key: "A-2", summary: "Epic", type: "Epic", category: "new", parent: "A-1" },
      { id: "3", key: "A-3", summary: "Story", type: "Story", category: "new", parent: "A-2" },
      { id: "4", key: "A-4", summary: "Sub-task", type: "Sub-task", category: "done", parent: "A-3" },
    ];
    api3().get("/rest/api/3/search/jql").query({ jql: "project = A", fields, maxResults: "100" }).reply(200, search.jqlPage(deep));
    const tree = await jira.fetchItems!(ctx(), { jql: "project = A", measure: "percentDone" });
    expect(tree[0]!.children[0]!.children[0]).toMatchObject({ id: "A-3", children: [] });
  });

  it("Data Center pages with startAt until total", async () => {
    const q = (startAt: number) => ({ jql, fields, startAt: String(startAt), maxResults: "100" });
    const many: search.Spec[] = Array.from({ length: 150 }, (_, i) => ({ id: String(20_000 + i), key: `OPS-${i + 1}`, summary: `Task ${i + 1}`, type: "Story", category: i < 30 ? "done" : "new" }));
    api2().get("/jira/rest/api/2/search").query(q(0)).reply(200, search.dcPage(many.slice(0, 100), 0, 150));
    api2().get("/jira/rest/api/2/search").query(q(100)).reply(200, search.dcPage(many.slice(100), 100, 150));
    const tree = await jira.fetchItems!(ctx(dc), { jql, measure: "percentDone" });
    expect(tree).toHaveLength(150);
    expect(tree[149]).toMatchObject({ id: "OPS-150", url: "https://jira.contoso.com/jira/browse/OPS-150", state: "proposed" });
  });

  it(`more than ${MAX_ISSUES} issues is a config error naming the limit`, async () => {
    api2().get("/jira/rest/api/2/search").query({ jql: "project = BIG", fields, startAt: "0", maxResults: "100" }).reply(200, search.dcPage([], 0, MAX_ISSUES + 1));
    const error = await connectorErrorFrom(jira.fetchItems!(ctx(dc), { jql: "project = BIG", measure: "percentDone" }));
    expect(error).toMatchObject({ type: "config", message: expect.stringContaining("more than 2,000 issues") });
  });

  it("the source URL opens the JQL or the filter in Jira", () => {
    expect(jira.sourceUrl!(cloud, { filterId: "10012", measure: "percentDone" })).toBe("https://contoso.atlassian.net/issues/?filter=10012");
    expect(jira.sourceUrl!(dc, { jql: "project = OPS", measure: "countAll" })).toBe("https://jira.contoso.com/jira/issues/?jql=project%20%3D%20OPS");
  });
});
