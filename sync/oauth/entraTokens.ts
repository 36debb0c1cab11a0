import { z } from "zod";
import { authError, errorFromResponse, parseRetryAfter, rateLimitedError, transientError } from "../connectors/errors.js";

/**
 * Microsoft Entra ID tokens for the connectors that sign in with Entra (OAuth 2.0 authorisation
 * code with PKCE, then refresh tokens): the requests to Entra's authorize and token endpoints, and
 * the refresher. Each connector names its scope in its definition (`entraSignIn.scope`); the
 * flow around it (state, callback, locks) is sync/oauth/entraOAuth.ts.
 *
 * Connectors only read `secrets.accessToken`; the caller runs `TokenRefresher.fresh` before each
 * connector call and stores what it returns, so that a refresh happens once per connection even
 * when several links of that connection sync at the same time.
 */

/** What an Entra sign-in seals into a connection's secrets: set by the sign-in and its refreshes, never typed by people. */
export const entraTokenSecretFields = {
  accessToken: z.string().min(1).max(20_000).optional(),
  refreshToken: z.string().min(1).max(20_000).optional(),
  expiresAt: z.string().datetime().optional(),
};

/** Refresh this long before the access token expires. */
export const REFRESH_SKEW_MS = 5 * 60_000;

export interface EntraApp {
  clientId: string;
  /** Absent: a public client (PKCE only, no secret sent). */
  clientSecret?: string | undefined;
  /** A tenant id, or `organizations`. */
  tenant: string;
  redirectUri: string;
  /** e.g. https://login.microsoftonline.com (sovereign clouds differ). */
  authority?: string;
  /** What to ask for, e.g. `<resource>/.default offline_access`. */
  scope: string;
}

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  /** ISO date. */
  expiresAt: string;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

const tokenUrl = (app: EntraApp) => `${app.authority ?? "https://login.microsoftonline.com"}/${encodeURIComponent(app.tenant)}/oauth2/v2.0/token`;

/** `https://login.microsoftonline.com/organizations` → authority + tenant, as EntraApp keeps them. */
export function splitAuthority(authority: string): { authority: string; tenant: string } {
  const url = new URL(authority.replace(/\/+$/, ""));
  const parts = url.pathname.split("/");
  const tenant = parts.pop() || "organizations";
  return { authority: `${url.origin}${parts.join("/")}`, tenant };
}

/** Where to send the browser to sign in and consent. */
export function authorizeUrl(app: EntraApp, state: string, codeChallenge: string): string {
  const url = new URL(`${app.authority ?? "https://login.microsoftonline.com"}/${encodeURIComponent(app.tenant)}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: app.clientId,
    response_type: "code",
    redirect_uri: app.redirectUri,
    response_mode: "query",
    scope: app.scope,
    state,
    code_challenge: codeChallenge,
    code_challenge_method: "S256",
  }).toString();
  return url.href;
}

async function tokenRequest(app: EntraApp, params: Record<string, string>, fetchFn: Fetch, now: number, signal?: AbortSignal): Promise<OAuthTokens> {
  const response = await fetchFn(tokenUrl(app), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({ client_id: app.clientId, ...(app.clientSecret ? { client_secret: app.clientSecret } : {}), scope: app.scope, ...params }).toString(),
    ...(signal ? { signal } : {}),
  });
  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  if (!response.ok) {
    if (response.status === 429) throw rateLimitedError("Microsoft Entra ID is rate limiting Pacer.", parseRetryAfter(response.headers.get("retry-after")));
    const error = typeof body.error === "string" ? body.error : "";
    const code = /AADSTS\d+/.exec(typeof body.error_description === "string" ? body.error_description : "")?.[0];
    if (error === "invalid_grant" || error === "interaction_required" || error === "consent_required" || error === "invalid_client" || error === "unauthorized_client") {
      throw authError(`Microsoft Entra ID refused to renew the sign-in (${code ?? error}): sign in again.`);
    }
    if (response.status >= 500) throw transientError(`Microsoft Entra ID answered HTTP ${response.status}.`);
    throw errorFromResponse(response, "Microsoft Entra ID");
  }
  const accessToken = body.access_token;
  const expiresIn = Number(body.expires_in);
  if (typeof accessToken !== "string" || !Number.isFinite(expiresIn)) throw transientError("Microsoft Entra ID answered without an access token.");
  const refreshToken = typeof body.refresh_token === "string" ? body.refresh_token : params.refresh_token;
  if (!refreshToken) throw authError("Microsoft Entra ID returned no refresh token: the offline_access scope was not granted.");
  return { accessToken, refreshToken, expiresAt: new Date(now + expiresIn * 1000).toISOString() };
}

/** The callback's code → tokens. */
export function exchangeCode(app: EntraApp, code: string, codeVerifier: string, fetchFn: Fetch = fetch, now = Date.now()) {
  return tokenRequest(app, { grant_type: "authorization_code", code, redirect_uri: app.redirectUri, code_verifier: codeVerifier }, fetchFn, now);
}

export const needsRefresh = (tokens: Pick<OAuthTokens, "expiresAt">, now = Date.now()) => Date.parse(tokens.expiresAt) - REFRESH_SKEW_MS <= now;

/**
 * Keeps each connection's tokens fresh. Concurrent callers for one connection share one refresh
 * (Entra rotates refresh tokens: two parallel refreshes would race and one would store a dead
 * token). `save` persists the new tokens before anyone uses them. The lock is per process; with
 * several sync processes, pass a `lock` that also holds a store-level claim.
 */
export class TokenRefresher {

  private readonly inFlight = new Map<string, Promise<OAuthTokens>>();
  constructor(
    private readonly app: EntraApp,
    private readonly save: (connectionId: string, tokens: OAuthTokens) => Promise<void>,
    private readonly fetchFn: Fetch = fetch,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Tokens valid for at least REFRESH_SKEW_MS, refreshing (once per connection at a time) when needed. */
  fresh(connectionId: string, current: OAuthTokens, signal?: AbortSignal): Promise<OAuthTokens> {
    if (!needsRefresh(current, this.clock())) return Promise.resolve(current);
    const running = this.inFlight.get(connectionId);
    if (running) return running;
    const refresh = (async () => {
      const tokens = await tokenRequest(this.app, { grant_type: "refresh_token", refresh_token: current.refreshToken }, this.fetchFn, this.clock(), signal);
      await this.save(connectionId, tokens);
      return tokens;
    })().finally(() => this.inFlight.delete(connectionId));
    this.inFlight.set(connectionId, refresh);
    return refresh;
  }
}
