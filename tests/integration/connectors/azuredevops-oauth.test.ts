import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import { clearStateCache } from "../../../sync/connectors/azuredevops/client.js";
import { EntraOAuth } from "../../../sync/oauth/entraOAuth.js";
import * as queries from "../../fixtures/azuredevops/queries.js";
import * as states from "../../fixtures/azuredevops/states.js";
import * as wiql from "../../fixtures/azuredevops/wiql.js";
import { batch } from "../../fixtures/azuredevops/workItems.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient, person, ok } from "../okr/support.js";
import { guardNock } from "../../support/nockGuard.js";

/**
 * Entra ID sign-in for an Azure DevOps connection through Pacer's real HTTP API, against a
 * loopback fake token endpoint (real HTTP): start → sign-in URL with PKCE; callback (no sign-in,
 * state-checked, once) → tokens sealed; a sync renews the expiring token and stores the rotated
 * refresh token; two "processes" renew once between them (store-level lock); `invalid_grant` →
 * an auth error on the link. Azure DevOps itself is simulated with nock.
 */
const ADO = "https://dev.azure.com";
const P = "/fabrikam/Fabrikam-Fiber";
const v = { "api-version": "7.1" };
const CLIENT_ID = "11111111-2222-3333-4444-555555555555";

type TokenAnswer = { status?: number; body: Record<string, unknown>; delayMs?: number };
const tokenRequests: URLSearchParams[] = [];
const tokenAnswers: TokenAnswer[] = [];
let tokenServer: Server;
let tokenBase = "";

let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenant = randomUUID();
const owner = person(tenant, "Olga Owner");
const ids: Record<string, string> = {};
const granted = (access: string, refresh: string, expiresIn: number): TokenAnswer => ({
  body: { token_type: "Bearer", scope: "499b84ac-1321-427f-aa17-267ca6975798/user_impersonation", expires_in: expiresIn, access_token: access, refresh_token: refresh },
});

beforeAll(async () => {
  tokenServer = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", async () => {
      if (req.method !== "POST" || req.url !== "/organizations/oauth2/v2.0/token") {
        res.writeHead(404).end();
        return;
      }
      tokenRequests.push(new URLSearchParams(raw));
      const answer = tokenAnswers.shift() ?? { status: 500, body: { error: "unexpected" } };
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      res.writeHead(answer.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => tokenServer.listen(0, "127.0.0.1", r));
  tokenBase = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}`;
  pacer = await startTestPacer({ PACER_ADO_CLIENT_ID: CLIENT_ID, PACER_ADO_AUTHORITY: `${tokenBase}/organizations` });
  api = apiClient(pacer);
  ok(await api(owner, "GET", "/me"));
  const periodId = ok(await api(owner, "GET", "/periods/current")).id;
  ids.kr = ok(
    await api(owner, "POST", "/objectives", { title: "Quality", periodId, keyResults: [{ title: "Bugs", measurement: { kind: "metric", start: 0, target: 10, unit: null } }] }),
    201,
  ).keyResults[0].id;
  ok(await api(owner, "POST", "/integrations/azuredevops/enable", {}));
  ids.connection = ok(
    await api(owner, "POST", "/integrations/azuredevops/connections", {
      name: "fabrikam / Fabrikam-Fiber",
      visibility: "shared",
      config: { organization: "fabrikam", project: "Fabrikam-Fiber", auth: "entra" },
      secrets: {},
    }),
    201,
  ).id;
});
afterAll(async () => {
  await pacer?.close();
  tokenServer?.closeAllConnections();
  await new Promise((r) => tokenServer?.close(r));
});
guardNock("Azure DevOps");
afterEach(() => {
  expect(tokenAnswers, "every token answer was used").toEqual([]);
});

const secretsOf = async () => {
  const connection = await pacer.integrations.service.store.connections.findById(tenant, ids.connection!);
  return pacer.integrations.service.openSecrets(connection!);
};

/** Two bugs through the open-bugs query, read with this bearer token. */
function serveBugs(bearer: string) {
  clearStateCache();
  const scope = nock(ADO, { reqheaders: { authorization: `Bearer ${bearer}` } });
  scope.get(`${P}/_apis/wit/wiql/${queries.ids.openBugs}`).query(v).reply(200, wiql.flat([1, 2]));
  scope.post(`${P}/_apis/wit/workitemsbatch`).query(v).reply(200, batch([{ id: 1, type: "Bug", state: "Active" }, { id: 2, type: "Bug", state: "Closed" }]));
  scope.get(`${P}/_apis/wit/workitemtypes/Bug/states`).query(v).reply(200, states.bug);
}

describe("Azure DevOps Entra ID sign-in", () => {
  let state = "";

  it("starts a sign-in with PKCE (authenticated) and completes it at the callback (state-checked, once)", async () => {
    expect(ok(await api(owner, "GET", "/integrations/azuredevops/oauth"))).toEqual({ configured: true, message: null });
    expect((await pacer.request("/api/v1/integrations/azuredevops/oauth/start", { method: "POST", json: { connectionId: ids.connection } })).status).toBe(401);
    const started = ok(await api(owner, "POST", "/integrations/azuredevops/oauth/start", { connectionId: ids.connection }));
    const url = new URL(started.url);
    expect(url.origin + url.pathname).toBe(`${tokenBase}/organizations/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: "code",
      redirect_uri: `${pacer.url}/api/v1/integrations/azuredevops/oauth/callback`,
      scope: "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access",
      code_challenge_method: "S256",
    });
    state = url.searchParams.get("state")!;
    // Pacer's own start page (what Teams' auth window opens) redirects to the same sign-in; an unknown state gets the failure page.
    expect(started.startUrl).toBe(`${pacer.url}/api/v1/integrations/azuredevops/oauth/begin?state=${encodeURIComponent(state)}`);
    const begin = await fetch(started.startUrl, { redirect: "manual" });
    expect(begin.status).toBe(302);
    expect(begin.headers.get("location")).toBe(started.url);
    const unknown = await pacer.request(`/api/v1/integrations/azuredevops/oauth/begin?state=unknown`);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('data-outcome="failed"');

    const forged = await pacer.request(`/api/v1/integrations/azuredevops/oauth/callback?code=c&state=forged`);
    expect(forged.status).toBe(400);

    tokenAnswers.push(granted("at1", "rt1", 60)); // expires within the 5-minute skew: the first sync renews it
    const callback = await pacer.request(`/api/v1/integrations/azuredevops/oauth/callback?code=the-code&state=${encodeURIComponent(state)}`);
    expect(callback.status).toBe(200);
    expect(callback.headers.get("content-type")).toContain("text/html");
    expect(await callback.text()).toContain("You can close this window");
    const exchange = tokenRequests.at(-1)!;
    expect(Object.fromEntries(exchange)).toMatchObject({ grant_type: "authorization_code", code: "the-code", client_id: CLIENT_ID, redirect_uri: `${pacer.url}/api/v1/integrations/azuredevops/oauth/callback` });
    expect(exchange.has("client_secret")).toBe(false); // a public client: PKCE only
    expect(createHash("sha256").update(exchange.get("code_verifier")!).digest("base64url")).toBe(url.searchParams.get("code_challenge"));

    expect(await secretsOf()).toMatchObject({ accessToken: "at1", refreshToken: "rt1" });
    const raw = await pacer.integrations.service.store.connections.raw.findOne({ _id: ids.connection! });
    expect(JSON.stringify(raw)).not.toContain("rt1");
    expect(ok(await api(owner, "GET", `/connections/${ids.connection}`)).secretNames).toEqual(["accessToken", "expiresAt", "refreshToken"]);

    const replay = await pacer.request(`/api/v1/integrations/azuredevops/oauth/callback?code=the-code&state=${encodeURIComponent(state)}`);
    expect(replay.status).toBe(400);
  });

  it("renews the expiring token before a sync and seals the rotated refresh token", async () => {
    // Saving the link already uses the connection: that renews the token (rt1 → rt2).
    tokenAnswers.push(granted("at2", "rt2", 3600));
    ok(await api(owner, "PUT", `/key-results/${ids.kr}/link`, { connectionId: ids.connection, source: { queryId: queries.ids.openBugs, measure: "countTotal" } }));
    serveBugs("at2");
    const refreshed = ok(await api(owner, "POST", `/key-results/${ids.kr}/link/refresh`));
    expect(refreshed).toMatchObject({ ok: true, value: 2 });
    expect(Object.fromEntries(tokenRequests.at(-1)!)).toMatchObject({ grant_type: "refresh_token", refresh_token: "rt1" });
    expect(await secretsOf()).toMatchObject({ accessToken: "at2", refreshToken: "rt2" });
  });

  it("two processes renew one connection once (store-level lock); the other uses the saved tokens", async () => {
    await pacer.integrations.service.storeSecrets(tenant, ids.connection!, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const before = tokenRequests.length;
    tokenAnswers.push({ ...granted("at3", "rt3", 3600), delayMs: 300 });
    const make = (owner: string) =>
      new EntraOAuth({ store: pacer.store, service: pacer.integrations.service, registry: pacer.integrations.registry, log: createLogger("silent"), clientId: CLIENT_ID, authority: `${tokenBase}/organizations`, owner });
    const connection = (await pacer.integrations.service.store.connections.findById(tenant, ids.connection!))!;
    const secrets = await secretsOf();
    const [a, b] = await Promise.all([make("p1").prepareSecrets(connection, secrets), make("p2").prepareSecrets(connection, secrets)]);
    expect(tokenRequests.length - before).toBe(1);
    expect(tokenRequests.at(-1)!.get("refresh_token")).toBe("rt2");
    expect(a).toMatchObject({ accessToken: "at3" });
    expect(b).toMatchObject({ accessToken: "at3" });
    expect(await secretsOf()).toMatchObject({ refreshToken: "rt3" });
  });

  it("invalid_grant makes the link fail with an auth error (stopped until someone signs in again)", async () => {
    await pacer.integrations.service.storeSecrets(tenant, ids.connection!, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    tokenAnswers.push({ status: 400, body: { error: "invalid_grant", error_description: "AADSTS700082: The refresh token has expired due to inactivity." } });
    const failed = await api(owner, "POST", `/key-results/${ids.kr}/link/refresh`);
    expect(failed.status).toBe(422);
    expect(failed.body.error).toMatchObject({ id: "source_error", details: { type: "auth" } });
    expect(failed.body.error.message).toContain("AADSTS700082");
    expect(tokenRequests.at(-1)!.get("refresh_token")).toBe("rt3");
    const link = ok(await api(owner, "GET", `/key-results/${ids.kr}/link`));
    expect(link).toMatchObject({ status: "failed", stoppedUntilEdited: true, lastValue: 2, lastError: { type: "auth" } });
  });
});
