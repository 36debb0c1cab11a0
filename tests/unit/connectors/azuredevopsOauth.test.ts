import { describe, expect, it } from "vitest";
import { AZURE_DEVOPS_SCOPE } from "../../../sync/connectors/azuredevops/index.js";
import { authorizeUrl, exchangeCode, needsRefresh, type OAuthTokens, TokenRefresher } from "../../../sync/oauth/entraTokens.js";
import { ConnectorError } from "../../../sync/connectors/errors.js";

const app = { clientId: "11111111-2222-3333-4444-555555555555", clientSecret: "s3cret", tenant: "contoso.onmicrosoft.com", redirectUri: "https://pacer.example.com/api/v1/integrations/azuredevops/callback", scope: AZURE_DEVOPS_SCOPE };
const now = Date.parse("2025-01-15T08:00:00Z");
const stale: OAuthTokens = { accessToken: "old", refreshToken: "r1", expiresAt: new Date(now + 60_000).toISOString() };

// Token answers as documented for the Microsoft identity platform:
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
function fakeFetch(answers: (() => Response)[]) {
  const calls: { url: string; body: URLSearchParams }[] = [];
  const fn = async (url: string, init: RequestInit) => {
    calls.push({ url, body: new URLSearchParams(String(init.body)) });
    const next = answers.shift();
    if (!next) throw new Error("unexpected token request");
    await new Promise((r) => setTimeout(r, 5));
    return next();
  };
  return { fn, calls };
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const granted = (access: string, refresh: string) =>
  json(200, { token_type: "Bearer", scope: "499b84ac-1321-427f-aa17-267ca6975798/user_impersonation", expires_in: 3599, ext_expires_in: 3599, access_token: access, refresh_token: refresh });

describe("Azure DevOps Entra OAuth", () => {
  it("builds the consent URL with the Azure DevOps scope and PKCE", () => {
    const url = new URL(authorizeUrl(app, "state-1", "challenge"));
    expect(url.origin + url.pathname).toBe("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize");
    expect(url.searchParams.get("scope")).toBe(AZURE_DEVOPS_SCOPE);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("state")).toBe("state-1");
  });

  it("exchanges the authorisation code", async () => {
    const { fn, calls } = fakeFetch([granted("a1", "r1")]);
    const tokens = await exchangeCode(app, "code-1", "verifier", fn, now);
    expect(tokens).toEqual({ accessToken: "a1", refreshToken: "r1", expiresAt: new Date(now + 3_599_000).toISOString() });
    expect(Object.fromEntries(calls[0]!.body)).toMatchObject({ grant_type: "authorization_code", code: "code-1", code_verifier: "verifier", scope: AZURE_DEVOPS_SCOPE });
  });

  it("keeps tokens that are fresh enough", async () => {
    const { fn, calls } = fakeFetch([]);
    const fresh = { ...stale, expiresAt: new Date(now + 30 * 60_000).toISOString() };
    const refresher = new TokenRefresher(app, async () => {}, fn, () => now);
    expect(needsRefresh(fresh, now)).toBe(false);
    expect(await refresher.fresh("c1", fresh)).toBe(fresh);
    expect(calls).toHaveLength(0);
  });

  it("refreshes once per connection under concurrent callers and saves the rotated refresh token", async () => {
    const { fn, calls } = fakeFetch([granted("a2", "r2"), granted("b2", "rb2")]);
    const saved: [string, OAuthTokens][] = [];
    const refresher = new TokenRefresher(app, async (id, t) => void saved.push([id, t]), fn, () => now);
    const results = await Promise.all([refresher.fresh("c1", stale), refresher.fresh("c1", stale), refresher.fresh("c1", stale), refresher.fresh("c2", stale)]);
    expect(results.map((t) => t.accessToken)).toEqual(["a2", "a2", "a2", "b2"]);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.body.get("grant_type")).toBe("refresh_token");
    expect(calls[0]!.body.get("refresh_token")).toBe("r1");
    expect(saved.map(([id, t]) => [id, t.refreshToken])).toEqual([["c1", "r2"], ["c2", "rb2"]]);
  });

  it("asks to sign in again when Entra refuses the refresh token", async () => {
    const { fn } = fakeFetch([
      json(400, { error: "invalid_grant", error_description: "AADSTS700082: The refresh token has expired due to inactivity.", error_codes: [700082] }),
    ]);
    const refresher = new TokenRefresher(app, async () => {}, fn, () => now);
    const error = await refresher.fresh("c1", stale).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).type).toBe("auth");
    expect((error as ConnectorError).message).toContain("AADSTS700082");
  });

  it("lets a later call retry after a failed refresh (the lock is released)", async () => {
    const { fn } = fakeFetch([json(503, { error: "temporarily_unavailable" }), granted("a3", "r3")]);
    const refresher = new TokenRefresher(app, async () => {}, fn, () => now);
    const first = await refresher.fresh("c1", stale).catch((e: unknown) => e as ConnectorError);
    expect((first as ConnectorError).type).toBe("transient");
    expect((await refresher.fresh("c1", stale)).accessToken).toBe("a3");
  });
});
