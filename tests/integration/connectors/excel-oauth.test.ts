import { createHash, randomUUID } from "node:crypto";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELEGATED_SCOPE } from "../../../sync/connectors/excel/graph.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient, person, ok } from "../okr/support.js";
import { guardNock } from "../../support/nockGuard.js";
import { DRIVE, graphAnswer, ITEM, SHARING_LINK } from "../../fixtures/excel/answers.js";

/**
 * Microsoft Excel with Microsoft Entra ID sign-in (delegated) through the generalised routes
 * `/api/v1/integrations/excel/oauth/{start,begin,callback}` (sync/oauth/entraOAuth.ts): the
 * catalogue flags Entra sign-in, the sign-in asks for Graph's delegated scope with PKCE and
 * Excel's own redirect URI, the code becomes sealed tokens, an expiring token is renewed before a
 * test, and Graph is called with the person's token. Entra's token endpoint and Graph are nocked.
 */
const PACER_APP = "11111111-2222-3333-4444-555555555555";
let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenant = randomUUID();
const owner = person(tenant, "Olga Owner");
const ids: Record<string, string> = {};
const tokenBodies: URLSearchParams[] = [];

/** Entra's token endpoint (PACER_ADO_AUTHORITY's default, .../organizations) answering a documented grant. */
function simulateGrant(access: string, refresh: string, expiresIn: number) {
  const answer = graphAnswer("token-delegated");
  Object.assign(answer.body, { access_token: access, refresh_token: refresh, expires_in: expiresIn });
  nock("https://login.microsoftonline.com")
    .post("/organizations/oauth2/v2.0/token", (body: Record<string, string>) => {
      tokenBodies.push(new URLSearchParams(body));
      return true;
    })
    .reply(200, answer.body);
}
const graphAs = (token: string) => nock("https://graph.microsoft.com", { reqheaders: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  pacer = await startTestPacer({ PACER_ADO_CLIENT_ID: PACER_APP });
  api = apiClient(pacer);
  ok(await api(owner, "GET", "/me"));
  const periodId = ok(await api(owner, "GET", "/periods/current")).id;
  ids.kr = ok(
    await api(owner, "POST", "/objectives", { title: "Retain", periodId, keyResults: [{ title: "Renewal rate", measurement: { kind: "metric", start: 0, target: 0.6, unit: null } }] }),
    201,
  ).keyResults[0].id;
  ok(await api(owner, "POST", "/integrations/excel/enable", {}));
});
afterAll(async () => {
  await pacer?.close();
});
guardNock("Microsoft Graph");

describe("Microsoft Excel: Entra ID sign-in through /integrations/:id/oauth", () => {
  it("the catalogue and the setup check say which connectors sign in with Entra", async () => {
    const { items } = ok(await api(owner, "GET", "/integrations"));
    const flag = (id: string) => items.find((i: { id: string }) => i.id === id)?.entraSignIn;
    expect([flag("excel"), flag("azuredevops"), flag("bigquery")]).toEqual([true, true, false]);
    expect(ok(await api(owner, "GET", "/integrations/excel/oauth"))).toEqual({ configured: true, message: null });
    expect((await api(owner, "GET", "/integrations/bigquery/oauth")).status).toBe(404);
  });

  it("an app-only connection needs its tenant and client id; an Entra one needs neither", async () => {
    const refused = await api(owner, "POST", "/integrations/excel/connections", { name: "No app", config: { auth: "clientSecret" }, secrets: {} });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain("config.tenantId");
    ids.connection = ok(await api(owner, "POST", "/integrations/excel/connections", { name: "Megan's workbooks", visibility: "shared", config: { auth: "entra" }, secrets: {} }), 201).id;
  });

  it("signs in with Graph's delegated scope, PKCE and Excel's redirect URI; the code becomes sealed tokens", async () => {
    // Another connector's URL refuses an Excel connection.
    expect((await api(owner, "POST", "/integrations/azuredevops/oauth/start", { connectionId: ids.connection })).status).toBe(400);
    const started = ok(await api(owner, "POST", "/integrations/excel/oauth/start", { connectionId: ids.connection }));
    const url = new URL(started.url);
    const state = url.searchParams.get("state")!;
    expect(url.origin + url.pathname).toBe("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: PACER_APP,
      response_type: "code",
      redirect_uri: `${pacer.url}/api/v1/integrations/excel/oauth/callback`,
      scope: DELEGATED_SCOPE,
      code_challenge_method: "S256",
    });
    expect(started.startUrl).toBe(`${pacer.url}/api/v1/integrations/excel/oauth/begin?state=${encodeURIComponent(state)}`);
    const begin = await pacer.request(`/api/v1/integrations/excel/oauth/begin?state=${encodeURIComponent(state)}`, { redirect: "manual" });
    expect(begin.status).toBe(302);
    expect(begin.headers.get("location")).toBe(started.url);

    // The state belongs to Excel: Azure DevOps' callback does not take it.
    const wrong = await pacer.request(`/api/v1/integrations/azuredevops/oauth/callback?code=c&state=${encodeURIComponent(state)}`);
    expect(wrong.status).toBe(400);

    simulateGrant("at1", "rt1", 60); // expires within the 5-minute skew: the next use renews it
    const callback = await pacer.request(`/api/v1/integrations/excel/oauth/callback?code=the-code&state=${encodeURIComponent(state)}`);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain("“Megan&#39;s workbooks” can now read workbooks."); // the page escapes the apostrophe
    const exchange = tokenBodies.at(-1)!;
    expect(Object.fromEntries(exchange)).toMatchObject({ grant_type: "authorization_code", code: "the-code", client_id: PACER_APP, scope: DELEGATED_SCOPE, redirect_uri: `${pacer.url}/api/v1/integrations/excel/oauth/callback` });
    expect(createHash("sha256").update(exchange.get("code_verifier")!).digest("base64url")).toBe(url.searchParams.get("code_challenge"));
    const view = ok(await api(owner, "GET", `/connections/${ids.connection}`));
    expect(view.secretNames).toEqual(["accessToken", "expiresAt", "refreshToken"]);
    expect(JSON.stringify(view)).not.toContain("rt1");
  });

  it("renews the expiring token before the test, which names the signed-in person", async () => {
    simulateGrant("at2", "rt2", 3600);
    const me = graphAnswer("me");
    graphAs("at2").get("/v1.0/me").query({ $select: "displayName,userPrincipalName" }).reply(me.status, me.body);
    const test = ok(await api(owner, "POST", `/connections/${ids.connection}/test`));
    expect(test).toMatchObject({ ok: true, message: "Signed in to Microsoft Graph as Megan Bowen (megan@contoso.com): Pacer reads the workbooks this account can open." });
    expect(Object.fromEntries(tokenBodies.at(-1)!)).toMatchObject({ grant_type: "refresh_token", refresh_token: "rt1", scope: DELEGATED_SCOPE });
  });

  it("previews a cell with the person's token; a 401 from Graph asks to sign in again", async () => {
    const source = { workbookUrl: SHARING_LINK, driveId: DRIVE, itemId: ITEM, worksheet: "Sheet1", address: "B7" };
    const cell = `/v1.0/drives/${DRIVE}/items/${ITEM}/workbook/worksheets/Sheet1/range(address='B7')`;
    const range = graphAnswer("range-percent");
    graphAs("at2").get(cell).reply(range.status, range.body);
    expect(ok(await api(owner, "POST", `/key-results/${ids.kr}/link/preview`, { connectionId: ids.connection, source }))).toMatchObject({ value: 0.42, details: "42% (Sheet1!B7)" });

    graphAs("at2")
      .get(cell)
      .reply(401, { error: { code: "InvalidAuthenticationToken", message: "Access token has expired or is not yet valid.", innerError: { date: "2026-11-26T02:30:00", "request-id": "5d7f", "client-request-id": "5d7f" } } });
    const expired = await api(owner, "POST", `/key-results/${ids.kr}/link/preview`, { connectionId: ids.connection, source });
    expect(expired.status).toBe(422);
    expect(expired.body.error).toMatchObject({ details: { type: "auth" } });
    expect(expired.body.error.message).toMatch(/InvalidAuthenticationToken.*sign in again/);
  });
});
