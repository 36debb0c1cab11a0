import { createHash } from "node:crypto";
import { decodeJwt } from "jose";
import type { ConnectorContext } from "../../../core/integrations/contract.js";
import { authError, configError, type ConnectorError, errorFromResponse, parseRetryAfter, rateLimitedError, transientError } from "../errors.js";

/**
 * Microsoft Graph for the Excel connector: a token (app-only by client credentials, or the
 * delegated token of an Entra sign-in, sync/oauth/entraOAuth.ts) and the few read calls the
 * connector makes. No workbook session is ever created: the Excel API serves
 * reads sessionless (https://learn.microsoft.com/graph/workbook-best-practice#work-with-sessions).
 */
export const GRAPH = "https://graph.microsoft.com/v1.0";
export const LOGIN = "https://login.microsoftonline.com";
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
/**
 * Delegated sign-in: Files.Read.All reads every workbook the person can open (their OneDrive,
 * files shared with them, SharePoint sites they belong to); Files.Read would reach their own
 * OneDrive only. User.Read names the account on test. https://learn.microsoft.com/graph/permissions-reference
 */
export const DELEGATED_SCOPE = "https://graph.microsoft.com/Files.Read.All https://graph.microsoft.com/User.Read offline_access";
/** Application permissions that can read a workbook (Sites.Selected needs a per-site grant on top). */
export const READ_ROLES = ["Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All", "Sites.Selected", "Sites.Manage.All", "Sites.FullControl.All"];
const SKEW_MS = 5 * 60_000;

export interface ExcelConfig {
  auth: "clientSecret" | "entra";
  tenantId?: string | undefined;
  clientId?: string | undefined;
}
export interface ExcelSecrets {
  clientSecret?: string | undefined;
  /** Written by the Entra sign-in (config.auth = "entra"), renewed before each call. */
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
  expiresAt?: string | undefined;
}
export type ExcelContext = ConnectorContext<ExcelConfig, ExcelSecrets>;

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}
const tokens = new Map<string, CachedToken>();
const pending = new Map<string, Promise<CachedToken>>();

/** Forgets cached tokens (tests). */
export const clearExcelTokens = () => tokens.clear();

const cacheKey = (c: ExcelConfig, secret: string) => createHash("sha256").update(`${c.tenantId}\n${c.clientId}\n${secret}`).digest("base64url");

/** The bearer token for a call: the signed-in person's, or the app's. */
export async function graphToken(ctx: ExcelContext): Promise<string> {
  if (ctx.config.auth !== "entra") return appToken(ctx);
  if (!ctx.secrets.accessToken) throw authError("This connection is not signed in yet: sign in with Microsoft Entra ID.");
  return ctx.secrets.accessToken;
}

/**
 * A Graph token for the connection's app, from the client-credentials grant, kept until five
 * minutes before it expires; concurrent callers share one request.
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#get-a-token
 */
export async function appToken(ctx: ExcelContext): Promise<string> {
  const secret = ctx.secrets.clientSecret;
  if (!secret) throw configError("This connection has no client secret stored: enter the app's client secret.");
  const key = cacheKey(ctx.config, secret);
  const cached = tokens.get(key);
  if (cached && cached.expiresAt - SKEW_MS > Date.now()) return cached.accessToken;
  let running = pending.get(key);
  if (!running) {
    running = requestToken(ctx, secret).finally(() => pending.delete(key));
    pending.set(key, running);
  }
  const token = await running;
  tokens.set(key, token);
  return token.accessToken;
}

async function requestToken(ctx: ExcelContext, secret: string): Promise<CachedToken> {
  const tenantId = ctx.config.tenantId ?? "";
  const clientId = ctx.config.clientId ?? "";
  const response = await ctx.http(`${LOGIN}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({ client_id: clientId, client_secret: secret, scope: GRAPH_SCOPE, grant_type: "client_credentials" }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    // https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#error-response
    if (response.status === 429) throw rateLimitedError("Microsoft Entra ID is rate limiting Pacer.", parseRetryAfter(response.headers.get("retry-after")));
    if (response.status >= 500) throw transientError(`Microsoft Entra ID answered HTTP ${response.status}.`);
    const error = typeof body.error === "string" ? body.error : "";
    const description = typeof body.error_description === "string" ? body.error_description : "";
    const code = /AADSTS\d+/.exec(description)?.[0] ?? error;
    const first = description.split(/\r?\n/)[0]?.replace(/^AADSTS\d+:\s*/, "").slice(0, 200) ?? "";
    if (code === "AADSTS90002" || code === "AADSTS900023") throw configError(`Microsoft Entra ID does not know the tenant ${tenantId} (${code}).`);
    if (error === "invalid_client" || error === "unauthorized_client" || /^AADSTS(7000215|7000222|700016)$/.test(code)) {
      throw authError(`Microsoft Entra ID refused the app's credentials (${code}${first ? `: ${first}` : ""}). Check the client id and enter a current client secret value.`);
    }
    throw errorFromResponse(response, "Microsoft Entra ID");
  }
  const accessToken = body.access_token;
  const expiresIn = Number(body.expires_in);
  if (typeof accessToken !== "string" || !Number.isFinite(expiresIn)) throw transientError("Microsoft Entra ID answered without an access token.");
  return { accessToken, expiresAt: Date.now() + expiresIn * 1000 };
}

/** The application permissions (`roles`) Entra put in a Graph token, or null when it cannot be read. */
export function tokenRoles(accessToken: string): string[] | null {
  try {
    const roles = decodeJwt(accessToken).roles;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
  } catch {
    return null;
  }
}

/** `u!` + unpadded base64url of the URL: https://learn.microsoft.com/graph/api/shares-get#encoding-sharing-urls */
export const encodeSharingUrl = (url: string) => `u!${Buffer.from(url, "utf8").toString("base64url")}`;

/** What a failed call was about, so its error can say what to fix. */
export type GraphTarget =
  | { kind: "share"; url: string }
  | { kind: "workbook" }
  | { kind: "sheet"; worksheet: string; address: string }
  | { kind: "name"; name: string };

interface GraphErrorBody {
  error?: { code?: string; message?: string; innerError?: { code?: string } };
}

const PERMISSION = "the app needs the Graph application permission Files.Read.All, or Sites.Selected with a read grant on the site that holds the workbook (see the README)";

/**
 * A non-OK Graph answer → a typed error. Bodies follow
 * https://learn.microsoft.com/graph/errors and https://learn.microsoft.com/graph/workbook-error-handling;
 * codes in https://learn.microsoft.com/graph/workbook-error-codes.
 */
export async function graphError(response: Response, target: GraphTarget, delegated = false): Promise<ConnectorError> {
  const body = (await response.json().catch(() => ({}))) as GraphErrorBody;
  const code = body.error?.code ?? "";
  const inner = body.error?.innerError?.code;
  const said = body.error?.message ? ` (${code || response.status}: ${body.error.message.slice(0, 200)})` : code ? ` (${code})` : "";
  const status = response.status;
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  // https://learn.microsoft.com/graph/throttling: 429 (and 503) with Retry-After.
  if (status === 429 || (status === 503 && retryAfter !== undefined)) return rateLimitedError(`Microsoft Graph is throttling Pacer (HTTP ${status}).`, retryAfter);
  if (status === 401) return authError(`Microsoft Graph refused the token${said}: ${delegated ? "the sign-in expired or its consent was revoked; sign in again" : "the app's consent was revoked or its secret expired"}.`);
  if (status === 403) return authError(`Microsoft Graph denied access to the workbook${said}: ${delegated ? "the signed-in account cannot open it, or Pacer's Entra app lacks the delegated permission Files.Read.All" : PERMISSION}.`);
  if (status === 404 || code === "itemNotFound" || code === "ItemNotFound") {
    switch (target.kind) {
      case "share":
        return configError(`No file found for this link${said}: check the link, and that the app may read the site it is on.`);
      case "sheet":
        return configError(`The workbook or its sheet “${target.worksheet}” was not found${said}: the workbook was moved or deleted, or the sheet was renamed.`);
      case "name":
        return configError(`The workbook or its named range “${target.name}” was not found${said}: the workbook was moved or deleted, or the name was removed.`);
      default:
        return configError(`The workbook was not found${said}: it was moved or deleted.`);
    }
  }
  if (status === 400 || status === 422) {
    if (inner === "unsupportedWorkbook" || code === "unsupportedWorkbook") return configError(`Excel cannot open this file${said}: only .xlsx workbooks are supported.`);
    if (target.kind === "sheet" && (code === "InvalidArgument" || code === "invalidArgument")) {
      return configError(`Excel refused the cell address “${target.address}” on sheet “${target.worksheet}”${said}.`);
    }
    return configError(`Microsoft Graph refused the request${said}.`);
  }
  if (status >= 500) return transientError(`Microsoft Graph answered HTTP ${status}${said}.`);
  return errorFromResponse(response, "Microsoft Graph");
}

/** GET a Graph URL as the app; a non-OK answer throws the typed error for `target`. */
export async function graphGet<T>(ctx: ExcelContext, path: string, target: GraphTarget): Promise<T> {
  const token = await graphToken(ctx);
  const response = await ctx.http(`${GRAPH}${path}`, { headers: { authorization: `Bearer ${token}`, accept: "application/json" } });
  if (!response.ok) throw await graphError(response, target, ctx.config.auth === "entra");
  return (await response.json()) as T;
}
