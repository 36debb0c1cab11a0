import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, person, ok } from "../okr/support.js";
import { LoopbackJson } from "../../support/loopbackJson.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";

let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
let source: LoopbackJson;
const tenant = randomUUID();
const owner = person(tenant, "Olga Owner");
const admin = person(tenant, "Adam Admin");
const bob = person(tenant, "Bob Member");
const carol = person(tenant, "Carol Member");
const stranger = person(randomUUID(), "Sid Stranger");
const ids: Record<string, string> = {};
const TOKEN = "s3cret-bearer-token-123";

const item = (catalogue: { items: Array<{ id: string }> }, id: string) => catalogue.items.find((i) => i.id === id) as Record<string, unknown>;

beforeAll(async () => {
  source = await new LoopbackJson().start();
  source.handler = (path, req) => {
    if (!path.startsWith("/private/")) return undefined;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, body: { error: "who are you" } };
    return { body: { data: { total: source.values.get(path) ?? 0 } } };
  };
  pacer = await startTestPacer();
  api = apiClient(pacer);
  for (const [key, who] of Object.entries({ owner, admin, bob, carol, stranger })) ids[key] = ok(await api(who, "GET", "/me")).user.id;
  ok(await api(owner, "PATCH", `/users/${ids.admin}/role`, { orgRole: "admin" }));
  const periodId = ok(await api(owner, "GET", "/periods/current")).id;
  const objective = ok(
    await api(owner, "POST", "/objectives", {
      title: "Grow",
      periodId,
      keyResults: [
        { title: "Signups", measurement: { kind: "metric", start: 0, target: 1000, unit: "users" } },
        { title: "Private metric", measurement: { kind: "metric", start: 0, target: 100, unit: null } },
      ],
    }),
    201,
  );
  ids.objective = objective.id;
  ids.kr = objective.keyResults[0].id;
  ids.kr2 = objective.keyResults[1].id;
});
afterAll(async () => {
  await pacer?.close();
  await source?.stop();
});

describe("catalogue, allow-list, enable/disable", () => {
  it("lists every implemented integration with metadata and this org's state", async () => {
    const catalogue = ok(await api(bob, "GET", "/integrations"));
    expect(item(catalogue, "webjson")).toMatchObject({ displayName: "Web JSON", type: "data", category: "third-party", mode: "pull", allowed: true, state: "disabled" });
    expect(item(catalogue, "zapier")).toMatchObject({ type: "data", category: "third-party", mode: "push", termsUrl: expect.stringMatching(/^https:/) });
    expect(String(item(catalogue, "webjson").icon)).toMatch(/^data:image\/svg\+xml/);
    expect(catalogue.you).toEqual({ tenantAdmin: false, orgAdmin: false, canCreateConnections: false });
  });

  it("lets only org owners/admins enable, and only the tenant admin set the allow-list", async () => {
    expect((await api(bob, "POST", "/integrations/webjson/enable", {})).status).toBe(403);
    expect(item(ok(await api(admin, "POST", "/integrations/webjson/enable", {})), "webjson").state).toBe("enabled");
    const refused = await api(admin, "PUT", "/integrations/allow-list", { mode: "none" });
    expect(refused.status).toBe(403);
    const selected = ok(await api(owner, "PUT", "/integrations/allow-list", { mode: "selected", integrationIds: ["webjson"] }));
    expect(selected.you.tenantAdmin).toBe(true);
    expect(item(selected, "zapier")).toMatchObject({ allowed: false, state: "not_allowed" });
    const notAllowed = await api(admin, "POST", "/integrations/zapier/enable", {});
    expect(notAllowed.status).toBe(403);
    expect(notAllowed.body.error.id).toBe("integration_not_allowed");
    const unknown = await api(owner, "PUT", "/integrations/allow-list", { mode: "selected", integrationIds: ["nope"] });
    expect(unknown.body.error.details).toEqual([{ path: "integrationIds.0", message: expect.stringContaining("nope") }]);
    ok(await api(owner, "PUT", "/integrations/allow-list", { mode: "all" }));
  });
});

describe("connections", () => {
  it("tests a connection before saving it", async () => {
    const good = ok(await api(admin, "POST", "/integrations/webjson/connections/test", { config: { baseUrl: source.url } }));
    expect(good).toMatchObject({ ok: true, errorType: null });
    const dead = ok(await api(admin, "POST", "/integrations/webjson/connections/test", { config: { baseUrl: "http://127.0.0.1:9" } }));
    expect(dead).toMatchObject({ ok: false, errorType: "transient" });
    const bad = await api(admin, "POST", "/integrations/webjson/connections/test", { config: { baseUrl: "not a url" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("config.baseUrl");
  });

  it("lets members create connections only when the org allows it; private ones stay private", async () => {
    const body = { name: "Bob's private", visibility: "private", config: { baseUrl: source.url }, secrets: { bearerToken: TOKEN } };
    expect((await api(bob, "POST", "/integrations/webjson/connections", body)).status).toBe(403);
    ok(await api(admin, "PATCH", "/integrations/settings", { membersCreateConnections: true }));
    const created = ok(await api(bob, "POST", "/integrations/webjson/connections", body), 201);
    ids.privateConn = created.id;
    ids.shared = ok(await api(admin, "POST", "/integrations/webjson/connections", { name: "Public stats", config: { baseUrl: source.url } }), 201).id;

    expect((await api(carol, "GET", `/connections/${ids.privateConn}`)).status).toBe(404);
    const carolSees = ok(await api(carol, "GET", "/integrations/webjson/connections")).items.map((c: { id: string }) => c.id);
    expect(carolSees).toEqual([ids.shared]);
    expect(ok(await api(bob, "GET", "/integrations/webjson/connections")).items).toHaveLength(2);
    expect((await api(stranger, "GET", `/connections/${ids.shared}`)).status).toBe(404);
    // Carol cannot link through Bob's private connection.
    const refused = await api(carol, "POST", `/key-results/${ids.kr}/link/preview`, { connectionId: ids.privateConn, source: { valuePath: "x" } });
    expect([403, 404]).toContain(refused.status);
  });

  it("never returns secrets, and stores them encrypted", async () => {
    const replies = [
      await api(bob, "GET", `/connections/${ids.privateConn}`),
      await api(bob, "GET", "/integrations/webjson/connections"),
      await api(bob, "PATCH", `/connections/${ids.privateConn}`, { name: "Bob's stats" }),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(JSON.stringify(reply.body)).not.toContain(TOKEN);
      expect(JSON.stringify(reply.body)).not.toContain("sealed");
    }
    expect(replies[0]!.body.secretNames).toEqual(["bearerToken"]);
    const raw = await pacer.store.collection("connections").findOne({ _id: ids.privateConn as never });
    expect(JSON.stringify(raw)).not.toContain(TOKEN);
    expect(raw!.sealedSecrets).toMatchObject({ alg: "A256GCM" });
    const opened = await pacer.integrations.service.openSecrets(raw as never);
    expect(opened).toEqual({ bearerToken: TOKEN });
    expect(ok(await api(bob, "POST", `/connections/${ids.privateConn}/test`))).toMatchObject({ ok: true });
  });
});

describe("linking a key result", () => {
  it("refuses objectives with a clear message", async () => {
    for (const reply of [
      await api(owner, "PUT", `/key-results/${ids.objective}/link`, { connectionId: ids.shared, source: { valuePath: "value" } }),
      await api(owner, "POST", `/objectives/${ids.objective}/link`, {}),
    ]) {
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({ id: "objective_not_linkable", message: expect.stringContaining("Only key results") });
    }
  });

  it("previews, saves, refreshes (check-in only on change) and reports status", async () => {
    source.values.set("/signups", 42);
    const preview = ok(await api(owner, "POST", `/key-results/${ids.kr}/link/preview`, { connectionId: ids.shared, source: { path: "/signups", valuePath: "value" } }));
    expect(preview).toMatchObject({ value: 42, details: null });
    const badSource = await api(owner, "POST", `/key-results/${ids.kr}/link/preview`, { connectionId: ids.shared, source: { path: "/nothing", valuePath: "value" } });
    expect(badSource.status).toBe(422);
    expect(badSource.body.error).toMatchObject({ id: "source_error", details: { type: "config" } });

    const saved = ok(await api(owner, "PUT", `/key-results/${ids.kr}/link`, { connectionId: ids.shared, source: { path: "/signups", valuePath: "value" } }));
    expect(saved).toMatchObject({ status: "pending", integration: { displayName: "Web JSON" }, mode: "pull" });
    const refreshed = ok(await api(owner, "POST", `/key-results/${ids.kr}/link/refresh`));
    expect(refreshed).toMatchObject({ ok: true, value: 42, changed: true, link: { status: "ok", lastValue: 42 } });
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}`)).current).toBe(42);

    const again = ok(await api(owner, "POST", `/key-results/${ids.kr}/link/refresh`));
    expect(again).toMatchObject({ ok: true, changed: false });
    const history = ok(await api(owner, "GET", `/key-results/${ids.kr}/check-ins`));
    expect(history.items).toHaveLength(1);
    expect(history.items[0].source).toMatchObject({ kind: "integration" });
    expect((await api(bob, "PUT", `/key-results/${ids.kr}/link`, { connectionId: ids.shared, source: { valuePath: "value" } })).status).toBe(403);
  });

  it("records failures, keeps the last good value, and resumes after the connection is edited", async () => {
    source.values.set("/private/m", 7);
    ok(await api(bob, "PATCH", `/connections/${ids.privateConn}`, { secrets: { bearerToken: "wrong" } }));
    ok(await api(owner, "PATCH", `/users/${ids.bob}/role`, { orgRole: "admin" }));
    ok(await api(bob, "PUT", `/key-results/${ids.kr2}/link`, { connectionId: ids.privateConn, source: { path: "/private/m", valuePath: "data.total" } }));
    const failed = await api(bob, "POST", `/key-results/${ids.kr2}/link/refresh`);
    expect(failed.status).toBe(422);
    expect(failed.body.error.details.type).toBe("auth");
    const link = ok(await api(bob, "GET", `/key-results/${ids.kr2}/link`));
    expect(link).toMatchObject({ status: "failed", stoppedUntilEdited: true, nextSyncAt: null, lastError: { type: "auth" } });
    expect(ok(await api(bob, "GET", `/key-results/${ids.kr2}`)).current).toBe(0);

    ok(await api(bob, "PATCH", `/connections/${ids.privateConn}`, { secrets: { bearerToken: TOKEN } }));
    expect(ok(await api(bob, "GET", `/key-results/${ids.kr2}/link`))).toMatchObject({ stoppedUntilEdited: false, nextSyncAt: expect.any(String) });
    expect(ok(await api(bob, "POST", `/key-results/${ids.kr2}/link/refresh`))).toMatchObject({ value: 7, changed: true });
  });

  it("pauses links when the integration is disabled or the connection removed; unlinking keeps the value", async () => {
    ok(await api(admin, "POST", "/integrations/webjson/disable", {}));
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}/link`))).toMatchObject({ status: "paused", statusText: "integration disabled", lastValue: 42 });
    expect((await api(owner, "POST", `/key-results/${ids.kr}/link/refresh`)).body.error.id).toBe("link_paused");
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}`)).current).toBe(42);
    ok(await api(admin, "POST", "/integrations/webjson/enable", {}));
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}/link`))).toMatchObject({ status: "pending" });

    expect((await api(carol, "DELETE", `/connections/${ids.shared}`)).status).toBe(403);
    expect((await api(admin, "DELETE", `/connections/${ids.shared}`)).status).toBe(204);
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}/link`))).toMatchObject({ status: "paused", statusText: "connection removed" });

    expect((await api(owner, "DELETE", `/key-results/${ids.kr}/link`)).status).toBe(204);
    expect((await api(owner, "GET", `/key-results/${ids.kr}/link`)).status).toBe(404);
    expect(ok(await api(owner, "GET", `/key-results/${ids.kr}`)).current).toBe(42);
  });
});
