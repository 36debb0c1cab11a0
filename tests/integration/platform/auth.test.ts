import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GLOBAL_ADMINISTRATOR } from "../../../core/auth/tenantAdmin.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";

/**
 * A local stand-in for the Entra authority: OpenID configuration and JWKS shaped like
 * https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration and its jwks_uri
 * (see https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#fetch-the-openid-configuration-document).
 */
async function startAuthority(jwk: JWK): Promise<{ server: Server; metadataUrl: string }> {
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader("content-type", "application/json");
    if (req.url === "/common/v2.0/.well-known/openid-configuration") {
      res.end(
        JSON.stringify({
          token_endpoint: `${base}/common/oauth2/v2.0/token`,
          jwks_uri: `${base}/common/discovery/v2.0/keys`,
          issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
          id_token_signing_alg_values_supported: ["RS256"],
          tenant_region_scope: null,
        }),
      );
    } else if (req.url === "/common/discovery/v2.0/keys") {
      res.end(JSON.stringify({ keys: [{ ...jwk, kid: "test-key-1", use: "sig", alg: "RS256" }] }));
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, metadataUrl: `http://127.0.0.1:${port}/common/v2.0/.well-known/openid-configuration` };
}

const CLIENT_ID = "6c1f3e5a-1b2c-4d5e-8f90-a1b2c3d4e5f6";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OID = "a1b2c3d4-0000-4000-8000-000000000001";

describe("Teams SSO tokens", () => {
  let pacer: TestPacer;
  let authority: Server;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair("RS256")).privateKey;
    const started = await startAuthority(await exportJWK(pair.publicKey));
    authority = started.server;
    pacer = await startTestPacer({
      PACER_DEV_AUTH: "0",
      AAD_APP_CLIENT_ID: CLIENT_ID,
      TAB_ENDPOINT: "https://pacer.contoso.com",
      PACER_AUTH_OPENID_METADATA_URL: started.metadataUrl,
    });
  });

  afterAll(async () => {
    await pacer?.close();
    authority?.close();
  });

  /** An access token shaped like Entra's v2 tokens for a Teams tab (claims per the Entra access token reference). */
  function token(overrides: Record<string, unknown> = {}, options: { key?: CryptoKey; expiresIn?: string; kid?: string } = {}) {
    const { iss, aud, ...claims } = {
      iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      aud: `api://pacer.contoso.com/${CLIENT_ID}`,
      tid: TENANT,
      oid: OID,
      scp: "access_as_user",
      name: "Megan Bowen",
      preferred_username: "MeganB@contoso.com",
      ver: "2.0",
      ...overrides,
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: options.kid ?? "test-key-1" })
      .setIssuer(String(iss))
      .setAudience(aud as string)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? "1h")
      .sign(options.key ?? privateKey);
  }

  const me = async (bearer: string) => pacer.request("/api/v1/me", { headers: { authorization: `Bearer ${bearer}` } });

  it("accepts a valid token and maps tid → organisation, oid → user", async () => {
    const response = await me(await token());
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { name: string; email: string; orgRole: string }; organization: { tenantId: string } };
    expect(body.organization.tenantId).toBe(TENANT);
    expect(body.user).toMatchObject({ name: "Megan Bowen", email: "meganb@contoso.com", orgRole: "owner" });
  });

  it("accepts the bare client id as audience and v1 issuers", async () => {
    const v1 = await token({ aud: CLIENT_ID, iss: `https://sts.windows.net/${TENANT}/`, ver: "1.0" });
    expect((await me(v1)).status).toBe(200);
  });

  it.each([
    ["a forged signature", () => token({}, { key: otherKey })],
    ["an expired token", () => token({}, { expiresIn: "-10m" })],
    ["another application's audience", () => token({ aud: "api://pacer.contoso.com/00000000-0000-0000-0000-000000000000" })],
    ["an issuer of another tenant", () => token({ iss: "https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/v2.0" })],
    ["a missing scope", () => token({ scp: "User.Read" })],
    ["an unknown signing key", () => token({}, { kid: "rotated-away" })],
    ["garbage", async () => "not-a-jwt"],
  ])("refuses %s with 401 and a reason", async (_label, make) => {
    const response = await me(await make());
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { id: string; message: string } };
    expect(body.error.id).toBe("unauthenticated");
    expect(body.error.message.length).toBeGreaterThan(10);
  });

  it("reads directory roles (wids) and app roles (roles) into who may set the integration allow-list", async () => {
    const tenantAdmin = async (claims: Record<string, unknown>) => {
      const response = await pacer.request("/api/v1/integrations", { headers: { authorization: `Bearer ${await token(claims)}` } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { you: { tenantAdmin: boolean } }).you.tenantAdmin;
    };
    const colleague = "a1b2c3d4-0000-4000-8000-000000000002";
    // OID is the organisation's first owner (first test): without role claims it stands in, with them it does not.
    expect(await tenantAdmin({})).toBe(true);
    expect(await tenantAdmin({ wids: ["b79fbf4d-3ef9-4689-8143-76b194e85509"] })).toBe(false);
    expect(await tenantAdmin({ oid: colleague })).toBe(false);
    expect(await tenantAdmin({ oid: colleague, wids: [GLOBAL_ADMINISTRATOR] })).toBe(true);
    expect(await tenantAdmin({ oid: colleague, roles: ["Pacer.TenantAdmin"] })).toBe(true);
  });

  it("refuses requests without a token, and dev tokens when dev sign-in is off", async () => {
    expect((await pacer.request("/api/v1/me")).status).toBe(401);
    // The dev route does not exist here: the request is just another unauthenticated call.
    expect((await pacer.request("/api/v1/auth/dev-token", { method: "POST", json: {} })).status).toBe(401);
    expect(await (await pacer.request("/api/v1/auth/config")).json()).toEqual({ devAuth: false, teamsSso: true, clientId: CLIENT_ID });
  });
});
