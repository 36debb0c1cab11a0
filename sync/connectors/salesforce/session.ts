import { createPrivateKey } from "node:crypto";
import { SignJWT } from "jose";
import type { ConnectorContext } from "../../../core/integrations/contract.js";
import { type ConnectorError, authError, configError, rateLimitedError, transientError } from "../errors.js";
import { parseJsonKeepingDigits } from "../losslessJson.js";
import { poolKey } from "../../sql/idlePools.js";
import { API_VERSION, type SalesforceConfig, type SalesforceSecrets, jwtAudience, myDomainOf, signInProblem } from "./config.js";

/**
 * Signing in to Salesforce with no person present, and calling its REST API.
 *
 * - JWT bearer flow (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm):
 *   an RS256 assertion (iss = consumer key, sub = username, aud = login/test host or My Domain,
 *   exp ≤ 3 minutes) POSTed as `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` to the My
 *   Domain's /services/oauth2/token.
 * - Client credentials flow (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm):
 *   `grant_type=client_credentials` with the consumer key and secret, to the My Domain only.
 *
 * Both answer `{ access_token, instance_url, id, token_type, issued_at, signature, scope }` with no
 * `expires_in` (the session lasts the app's or org's session timeout, extended while used), so a
 * token is kept per connection for TOKEN_TTL_MS, and a 401 INVALID_SESSION_ID drops it and signs in
 * once more. REST errors are Salesforce's `[{ message, errorCode }]`
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
 */
export type SalesforceContext = ConnectorContext<SalesforceConfig, SalesforceSecrets>;

/** Two hours is Salesforce's default session timeout; a shorter policy shows up as a 401 and one new sign-in. */
export const TOKEN_TTL_MS = 2 * 3_600_000;
const ASSERTION_LIFETIME_S = 170;

interface Session {
  accessToken: string;
  instanceUrl: string;
  expiresAt: number;
}

const sessions = new Map<string, Session>();
const signingIn = new Map<string, Promise<Session>>();

/** Forgets every cached token (tests). */
export const forgetSalesforceSessions = () => {
  sessions.clear();
  signingIn.clear();
};

const sessionKey = (ctx: SalesforceContext) => poolKey("salesforce", ctx.config, ctx.secrets);

async function session(ctx: SalesforceContext): Promise<Session> {
  const key = sessionKey(ctx);
  const cached = sessions.get(key);
  if (cached && cached.expiresAt > Date.now()) return cached;
  let pending = signingIn.get(key);
  if (!pending) {
    pending = signIn(ctx).finally(() => signingIn.delete(key));
    signingIn.set(key, pending);
  }
  const fresh = await pending;
  sessions.set(key, fresh);
  return fresh;
}

async function signIn(ctx: SalesforceContext): Promise<Session> {
  const { config, secrets } = ctx;
  const problem = signInProblem(config, secrets);
  if (problem) throw configError(problem);
  const form = new URLSearchParams();
  if (config.authentication === "jwtBearer") {
    form.set("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
    form.set("assertion", await assertion(config, secrets));
  } else {
    form.set("grant_type", "client_credentials");
    form.set("client_id", config.consumerKey);
    form.set("client_secret", secrets.clientSecret!);
  }
  const where = myDomainOf(config);
  const response = await send(ctx, `${where}/services/oauth2/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body: form });
  const text = await response.text();
  const body = parseOr(text) as { access_token?: string; instance_url?: string; error?: string; error_description?: string } | undefined;
  if (!response.ok) throw tokenError(config, response.status, body, text);
  if (!body?.access_token) throw transientError(`Salesforce's token endpoint at ${where} answered without an access token.`);
  const instanceUrl = /^https:\/\/[^/]+$/i.test(body.instance_url ?? "") ? body.instance_url! : where;
  return { accessToken: body.access_token, instanceUrl, expiresAt: Date.now() + TOKEN_TTL_MS };
}

async function assertion(config: SalesforceConfig, secrets: SalesforceSecrets): Promise<string> {
  let key;
  try {
    key = createPrivateKey(secrets.privateKey!);
  } catch (error) {
    throw configError("The connection's private key cannot be read: paste the unencrypted PEM again.", error);
  }
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256" })
    .setIssuer(config.consumerKey)
    .setSubject(config.username!)
    .setAudience(jwtAudience(config))
    .setExpirationTime(now + ASSERTION_LIFETIME_S)
    .sign(key);
}

/** The token endpoint's `{ error, error_description }` → a typed error quoting Salesforce. */
function tokenError(config: SalesforceConfig, status: number, body: { error?: string; error_description?: string } | undefined, text: string): ConnectorError {
  const where = myDomainOf(config);
  if (status >= 500) return transientError(`Salesforce's token endpoint at ${where} answered HTTP ${status}; Pacer will try again.`);
  if (!body?.error) {
    if (status === 404 || (status >= 300 && status < 400) || /<html/i.test(text)) return configError(`${where} has no Salesforce token endpoint (HTTP ${status}): check the My Domain URL (Setup → My Domain).`);
    return authError(`Salesforce refused the sign-in at ${where} (HTTP ${status}).`);
  }
  const said = `${body.error}${body.error_description ? `: ${body.error_description}` : ""}`;
  const hint = signInHint(config, body.error, body.error_description ?? "");
  return authError(`Salesforce refused the sign-in (${said}).${hint ? ` ${hint}` : ""}`);
}

function signInHint(config: SalesforceConfig, error: string, description: string): string {
  const d = description.toLowerCase();
  if (d.includes("approve")) return `Pre-authorize ${config.username ?? "the integration user"} on the app: set "Admin approved users are pre-authorized" and add the user's profile or permission set.`;
  if (d.includes("audience")) return "Try the other JWT audience setting (login/test host or My Domain), and check that a sandbox uses its sandbox My Domain.";
  if (d.includes("user") && (d.includes("invalid") || d.includes("inactive") || d.includes("locked"))) return "Check the username and that the user is active.";
  if (d.includes("signature") || d.includes("certificate") || d.includes("jwt")) return "The private key does not match the certificate uploaded on the app.";
  if (d.includes("client credentials")) return "Enable the client credentials flow on the app and set its Run As user.";
  if (error === "invalid_client_id" || error === "invalid_client") return "Check the consumer key (and secret), and that the app is installed in this org.";
  return "";
}

/** fetch through the context, with network failures typed (a My Domain that does not resolve is a config error). */
async function send(ctx: SalesforceContext, url: string, init: RequestInit): Promise<Response> {
  try {
    return await ctx.http(url, { ...init, redirect: "manual" });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
    if (code === "ENOTFOUND") throw configError(`No Salesforce org answers at ${myDomainOf(ctx.config)}: check the My Domain URL (Setup → My Domain).`, error);
    const name = (error as { name?: string }).name;
    if (name === "AbortError" || name === "TimeoutError") throw transientError("Salesforce did not answer in time; Pacer will try again.", error);
    throw transientError(`Could not reach Salesforce at ${myDomainOf(ctx.config)} (${code ?? (error as Error).message}).`, error);
  }
}

function parseOr(text: string): unknown {
  try {
    return text ? parseJsonKeepingDigits(text) : undefined;
  } catch {
    return undefined;
  }
}

export interface SalesforceApiError {
  message?: string;
  errorCode?: string;
}

/**
 * GET a REST resource under /services/data/vXX.X (or an absolute path such as /services/oauth2/userinfo),
 * signed in; a 401 signs in once more. The body is parsed keeping long numbers' digits.
 */
export async function getJson<T>(ctx: SalesforceContext, path: string, what: string): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const { accessToken, instanceUrl } = await session(ctx);
    const url = path.startsWith("/services/") ? `${instanceUrl}${path}` : `${instanceUrl}/services/data/v${API_VERSION}/${path}`;
    const response = await send(ctx, url, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } });
    const text = await response.text();
    if (response.ok) {
      const body = parseOr(text);
      if (body === undefined) throw transientError(`Salesforce answered ${what} with something that is not JSON.`);
      return body as T;
    }
    const errors = parseOr(text);
    const first: SalesforceApiError = (Array.isArray(errors) ? errors[0] : errors) ?? {};
    if (response.status === 401 && attempt === 1) {
      sessions.delete(sessionKey(ctx));
      ctx.log.info({ errorCode: first.errorCode }, "salesforce: session refused, signing in again");
      continue;
    }
    throw restError(response.status, first, what);
  }
}

/** A REST API answer's `[{ message, errorCode }]` → a typed error. */
export function restError(status: number, error: SalesforceApiError, what: string): ConnectorError {
  const code = error.errorCode ?? "";
  const said = error.message ? `${code ? `${code}: ` : ""}${error.message}` : code || `HTTP ${status}`;
  if (status === 401) return authError(`Salesforce refused the session for ${what} even after signing in again (${said}).`);
  if (code === "REQUEST_LIMIT_EXCEEDED") {
    return rateLimitedError(
      `Salesforce's API request limit for this org is used up (${said}). Salesforce does not say when it frees up (the limit is counted over a rolling 24 hours), so Pacer waits its default before asking again.`,
    );
  }
  if (code === "SERVER_UNAVAILABLE" || status >= 500) return transientError(`Salesforce could not answer ${what} (${said}); Pacer will try again.`);
  if (code === "API_DISABLED_FOR_ORG" || code === "API_CURRENTLY_DISABLED") {
    return authError(`Salesforce does not let this user call the API (${said}). Give the integration user the API Enabled permission.`);
  }
  if (status === 404) return configError(`Salesforce has no ${what} (${said}).`);
  return configError(`Salesforce refused ${what} (${said}).`);
}
