import { randomUUID } from "node:crypto";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as errors from "../../fixtures/jira/errors.js";
import * as filters from "../../fixtures/jira/filters.js";
import * as myself from "../../fixtures/jira/myself.js";
import * as search from "../../fixtures/jira/search.js";
import { guardNock } from "../../support/nockGuard.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient, person, ok } from "../okr/support.js";

/**
 * The "jira" connector through Pacer's real HTTP API: an admin enables Jira, tests a connection
 * (OK, wrong token, unknown site) and saves it (the token sealed, never returned); the filter
 * picker; a KR preview (bad JQL refused with Jira's message), link, refresh, a scheduled sync that
 * moves the value, a failing sync that keeps the last value and marks the link failed, 429 and
 * 5xx typed; then a project linked to a JQL gets the epic → issue → sub-task tree as tasks.
 * Jira Cloud is simulated with nock (tests/fixtures/jira); loopback stays reachable.
 */
const SITE = "https://contoso.atlassian.net";
const EMAIL = "mia@contoso.com";
const TOKEN = "ATATT3xFfGF0-link-flow-token";
const BASIC = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64")}`;
const config = { siteUrl: SITE, deployment: "cloud", email: EMAIL };
const JQL = 'project = SHOP AND fixVersion = "2.0" ORDER BY Rank ASC';
const COUNT_ALL = '(project = SHOP AND fixVersion = "2.0")';
const COUNT_DONE = `${COUNT_ALL} AND statusCategory = Done`;

let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const owner = person(randomUUID(), "Olga Owner");
const ids: Record<string, string> = {};

const jira = () => nock(SITE, { reqheaders: { authorization: BASIC } });
const counts = (all: number, done: number) => {
  jira().post("/rest/api/3/search/approximate-count", { jql: COUNT_ALL }).reply(200, search.approximateCount(all));
  jira().post("/rest/api/3/search/approximate-count", { jql: COUNT_DONE }).reply(200, search.approximateCount(done));
};

beforeAll(async () => {
  pacer = await startTestPacer();
  api = apiClient(pacer);
  ok(await api(owner, "GET", "/me"));
  const periodId = ok(await api(owner, "GET", "/periods/current")).id;
  const objective = ok(
    await api(owner, "POST", "/objectives", { title: "Ship checkout 2.0", periodId, keyResults: [{ title: "Release 2.0 issues done", measurement: { kind: "percent" } }] }),
    201,
  );
  ids.keyResult = objective.keyResults[0].id;
  ids.project = ok(await api(owner, "POST", "/projects", { title: "Checkout roadmap", objectiveId: objective.id, tasks: [{ title: "Brief support" }] }), 201).id;
});
afterAll(async () => {
  await pacer?.close();
});
guardNock("Jira");

describe("Jira through the HTTP link flow", () => {
  it("an admin enables Jira and tests connections: OK, a wrong token (auth), an unknown site (config)", async () => {
    ok(await api(owner, "POST", "/integrations/jira/enable", {}));
    jira().get("/rest/api/3/myself").reply(200, myself.cloud);
    const test = ok(await api(owner, "POST", "/integrations/jira/connections/test", { config, secrets: { token: TOKEN } }));
    expect(test).toEqual({ ok: true, errorType: null, message: "Connected to https://contoso.atlassian.net as Mia Krystof." });

    nock(SITE).get("/rest/api/3/myself").reply(401, errors.unauthorizedText, { "content-type": "text/plain" });
    const wrong = ok(await api(owner, "POST", "/integrations/jira/connections/test", { config, secrets: { token: "revoked" } }));
    expect(wrong).toMatchObject({ ok: false, errorType: "auth", message: expect.stringContaining("the API token was revoked or the email is wrong") });

    nock("https://nosuch.atlassian.net").get("/rest/api/3/myself").reply(404, "<html><body>Site not found</body></html>", { "content-type": "text/html" });
    const unknown = ok(await api(owner, "POST", "/integrations/jira/connections/test", { config: { ...config, siteUrl: "https://nosuch.atlassian.net" }, secrets: { token: TOKEN } }));
    expect(unknown).toMatchObject({ ok: false, errorType: "config", message: expect.stringContaining("No Jira REST API at https://nosuch.atlassian.net") });
  });

  it("saves the connection: the token is sealed and never returned; the form refuses a Cloud site without the email", async () => {
    const refused = await api(owner, "POST", "/integrations/jira/connections", { name: "No email", config: { siteUrl: SITE }, secrets: { token: TOKEN } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain("email");

    const created = ok(await api(owner, "POST", "/integrations/jira/connections", { name: "Contoso Jira", visibility: "shared", config, secrets: { token: TOKEN } }), 201);
    ids.connection = created.id;
    expect(created.secretNames).toEqual(["token"]);
    expect(created.config).toMatchObject(config);
    const listed = ok(await api(owner, "GET", "/integrations/jira/connections"));
    for (const reply of [created, listed, ok(await api(owner, "GET", `/connections/${ids.connection}`))]) expect(JSON.stringify(reply)).not.toContain(TOKEN);
    const raw = await pacer.store.collection("connections").findOne({ _id: ids.connection as never });
    expect(JSON.stringify(raw)).not.toContain(TOKEN);
    expect(raw!.sealedSecrets).toMatchObject({ alg: "A256GCM" });
  });

  it("the picker lists favourite and matching filters; a picked filter comes back with its count", async () => {
    jira().get("/rest/api/3/filter/favourite").reply(200, filters.favourites);
    jira().get("/rest/api/3/filter/search").query({ filterName: "release", expand: "jql,favourite", maxResults: "50" }).reply(200, filters.searchPage([filters.releaseTwo], "release"));
    const found = ok(await api(owner, "GET", `/connections/${ids.connection}/resources?search=release`));
    expect(found.items).toEqual([{ id: "10012", name: "Release 2.0", kind: "favourite filter", source: { filterId: "10012", filterName: "Release 2.0", jql: filters.releaseTwo.jql } }]);

    jira().get("/rest/api/3/filter/10012").reply(200, filters.releaseTwo);
    jira().post("/rest/api/3/search/approximate-count", { jql: COUNT_ALL }).reply(200, search.approximateCount(120));
    const picked = ok(await api(owner, "GET", `/connections/${ids.connection}/resources?search=10012`));
    expect(picked.items).toMatchObject([{ id: "10012", count: 120 }]);
  });

  it("preview refuses bad JQL with Jira's message, then shows 42 of 120 issues done", async () => {
    jira().post("/rest/api/3/search/approximate-count").reply(400, errors.badJql);
    const refused = await api(owner, "POST", `/key-results/${ids.keyResult}/link/preview`, { connectionId: ids.connection, source: { jql: "project = SHOP status Done" } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ id: "source_error", details: { type: "config" } });
    expect(refused.body.error.message).toContain("Expecting either 'OR' or 'AND' but got 'Done'");

    counts(120, 42);
    const preview = ok(await api(owner, "POST", `/key-results/${ids.keyResult}/link/preview`, { connectionId: ids.connection, source: { jql: JQL } }));
    expect(preview).toMatchObject({ value: 35, details: "42 of 120 issues done" });
  });

  it("links the KR, refreshes it, and a scheduled sync moves the value", async () => {
    ok(await api(owner, "PUT", `/key-results/${ids.keyResult}/link`, { connectionId: ids.connection, source: { jql: JQL, measure: "percentDone" } }));
    counts(120, 42);
    expect(ok(await api(owner, "POST", `/key-results/${ids.keyResult}/link/refresh`))).toMatchObject({ ok: true, value: 35 });

    counts(120, 60);
    const report = await pacer.integrations.engine.runDue(undefined, new Date(Date.now() + 3 * 24 * 3600_000));
    expect(report).toMatchObject({ claimed: 1, ok: 1, changed: 1 });
    const link = ok(await api(owner, "GET", `/key-results/${ids.keyResult}/link`));
    expect(link).toMatchObject({ status: "ok", lastValue: 50, lastError: null });
  });

  it("a failing source keeps the last value and marks the link failed with the reason", async () => {
    jira().post("/rest/api/3/search/approximate-count").reply(400, errors.unknownField);
    const report = await pacer.integrations.engine.runDue(undefined, new Date(Date.now() + 7 * 24 * 3600_000));
    expect(report).toMatchObject({ claimed: 1, failed: 1 });
    const link = ok(await api(owner, "GET", `/key-results/${ids.keyResult}/link`));
    expect(link).toMatchObject({ status: "failed", lastValue: 50, lastError: { type: "config", message: expect.stringContaining("Field 'sprintt' does not exist") } });
  });

  it("a 5xx is transient and the last value is kept", async () => {
    jira().post("/rest/api/3/search/approximate-count").times(3).reply(500, { errorMessages: ["Internal server error"], errors: {} });
    const broken = await api(owner, "POST", `/key-results/${ids.keyResult}/link/refresh`);
    // Three attempts (the engine's retries for transient errors), all used: see guardNock.
    expect(broken.status).toBe(422);
    expect(broken.body.error).toMatchObject({ id: "source_error", message: "Jira answered HTTP 500.", details: { type: "transient" } });
    const link = ok(await api(owner, "GET", `/key-results/${ids.keyResult}/link`));
    expect(link).toMatchObject({ lastValue: 50, lastError: { type: "transient" } });
  });
});

describe("a project filled from a Jira JQL query", () => {
  const jql = "project = SHOP ORDER BY Rank ASC";
  const source = { jql };
  const serve = (specs: search.Spec[] = search.roadmap) =>
    jira().get("/rest/api/3/search/jql").query({ jql, fields: "summary,status,issuetype,parent", maxResults: "100" }).reply(200, search.jqlPage(specs));

  it("previews, links and refreshes: epics, issues and sub-tasks become tasks with links and rolled-up progress", async () => {
    serve();
    const preview = ok(await api(owner, "POST", `/projects/${ids.project}/link/preview`, { connectionId: ids.connection, source }));
    expect(preview).toMatchObject({ progress: 58.3, details: "8 tasks", sourceUrl: `${SITE}/issues/?jql=${encodeURIComponent(jql)}`, truncated: 0 });

    ok(await api(owner, "PUT", `/projects/${ids.project}/link`, { connectionId: ids.connection, source }));
    serve();
    expect(ok(await api(owner, "POST", `/projects/${ids.project}/link/refresh`))).toMatchObject({ ok: true, value: 58.33 });
    const project = ok(await api(owner, "GET", `/projects/${ids.project}`));
    const [manual, ...synced] = project.tasks;
    expect(manual).toMatchObject({ title: "Brief support" });
    expect(synced.map((t: Record<string, unknown>) => [t.externalId, t.level, t.parentExternalId, t.done, t.progress])).toEqual([
      ["SHOP-1", 1, null, false, 75],
      ["SHOP-2", 2, "SHOP-1", false, 50],
      ["SHOP-3", 3, "SHOP-2", true, 100],
      ["SHOP-4", 3, "SHOP-2", false, 0],
      ["SHOP-5", 2, "SHOP-1", true, 100],
      ["SHOP-7", 1, null, false, 0],
      ["SHOP-8", 2, "SHOP-7", false, 0],
      ["SHOP-9", 1, null, true, 100],
    ]);
    expect(synced[0]).toMatchObject({ source: "jira", title: "SHOP-1 One-page checkout", url: `${SITE}/browse/SHOP-1` });
    expect(project.sync).toMatchObject({ integrationId: "jira", sourceUrl: `${SITE}/issues/?jql=${encodeURIComponent(jql)}` });

    // A sub-task done meanwhile moves the roll-up; tasks are replaced, not appended.
    serve(search.roadmap.map((s) => (s.key === "SHOP-4" ? { ...s, category: "done" as const } : s)));
    const again = ok(await api(owner, "POST", `/projects/${ids.project}/link/refresh`));
    expect(again.project.tasks).toHaveLength(9);
    expect(again.project.progress).toBe(66.7);
  });
});

describe("Jira rate limiting through the API (last: the block holds the connection)", () => {
  it("429 with Retry-After answers rate limited with the wait, and later calls wait too without reaching Jira", async () => {
    jira().post("/rest/api/3/search/approximate-count").reply(429, errors.rateLimited, { "Retry-After": "120" });
    const limited = await api(owner, "POST", `/key-results/${ids.keyResult}/link/refresh`);
    expect(limited.status, JSON.stringify(limited.body)).toBe(429);
    expect(limited.body.error).toMatchObject({ id: "rate_limit_exceeded", details: { retryAfterMs: 120_000 } });
    const again = await api(owner, "POST", `/key-results/${ids.keyResult}/link/refresh`);
    expect(again.status).toBe(429);
    expect(again.body.error.details.retryAfterMs).toBeGreaterThan(100_000);
    const link = ok(await api(owner, "GET", `/key-results/${ids.keyResult}/link`));
    expect(link).toMatchObject({ lastValue: 50 });
  });
});
