import { createHash, randomBytes } from "node:crypto";
import type { Collection } from "mongodb";
import { AppError, badRequest, forbidden } from "../../core/errors/appError.js";
import type { IntegrationService } from "../../core/integrations/integrationService.js";
import type { ConnectorDefinition, ConnectorRegistry } from "../../core/integrations/contract.js";
import type { Connection } from "../../core/integrations/model.js";
import type { Logger } from "../../core/log/logger.js";
import type { Actor } from "../../core/okr/actor.js";
import type { Store } from "../../core/store/store.js";
import { authorizeUrl, type EntraApp, exchangeCode, needsRefresh, type OAuthTokens, splitAuthority, TokenRefresher } from "./entraTokens.js";
import { transientError } from "../connectors/errors.js";

/**
 * Microsoft Entra ID sign-in for the connections of any connector that declares `entraSignIn`
 * (its scope; Azure DevOps, Microsoft Excel) and whose config sets `auth: "entra"`. One Entra app
 * (PACER_ADO_*) serves them all; each connector has its own redirect URI,
 * `/api/v1/integrations/<id>/oauth/callback`, registered on that app.
 *
 * - `start`: a random state and PKCE verifier are stored server-side (`oauthStates`, `_id` = state,
 *   ten minutes) with the connector, the connection and the redirect URI; the caller gets the sign-in URL.
 * - `callback`: the state is consumed once (a unique insert of `<state>#used`, since FerretDB v1
 *   has no atomic conditional delete), the code exchanged, and the tokens sealed into the
 *   connection's secrets; links stopped by an auth error restart.
 * - `prepareSecrets` (before every fetch, preview and test): renews tokens five minutes before they
 *   expire. One refresh per connection at a time across processes: a `tokenLocks` document
 *   (`_id` = connection id, with an expiry so a dead holder does not block) is taken with a unique
 *   insert; a process that loses waits, then re-reads the tokens the winner saved. Entra rotates
 *   refresh tokens, so the new one is sealed before anyone uses the access token.
 */
export interface EntraOAuthOptions {
  store: Store;
  service: IntegrationService;
  /** Which connectors sign in with Entra, and with what scope (`entraSignIn`). */
  registry: ConnectorRegistry;
  log: Logger;
  clientId: string;
  clientSecret?: string | undefined;
  /** Including the tenant, e.g. https://login.microsoftonline.com/organizations. */
  authority: string;
  fetchFn?: (url: string, init: RequestInit) => Promise<Response>;
  /** Identifies this process in locks. */
  owner?: string;
  stateTtlMs?: number;
  lockTtlMs?: number;
}

interface PendingConsent {
  _id: string;
  tenantId?: string;
  /** The connector; states stored before connectors other than Azure DevOps signed in lack it. */
  integrationId?: string;
  connectionId?: string;
  userId?: string | null;
  verifier?: string;
  redirectUri?: string;
  expiresAt: Date;
}

interface TokenLock {
  _id: string;
  owner: string;
  expiresAt: Date;
}

const b64url = (bytes: Buffer) => bytes.toString("base64url");
export const pkceChallenge = (verifier: string) => b64url(createHash("sha256").update(verifier).digest());

/** Where Entra returns for a connector (registered as a redirect URI of Pacer's Entra app). */
export const callbackPath = (integrationId: string) => `/api/v1/integrations/${integrationId}/oauth/callback`;
/** Pacer's sign-in start page: `?state=` redirects to Entra (see `authorizeUrlFor`). */
export const beginPath = (integrationId: string) => `/api/v1/integrations/${integrationId}/oauth/begin`;
/** The tab's Teams auth-end script (tab/src/authEnd.ts, a stable name in the Vite build). */
export const AUTH_END_SCRIPT = "/tab/auth-end.js";

const signInFailed = (message: string) => new AppError("oauth_failed", 400, message);

export class EntraOAuth {
  private readonly states: Collection<PendingConsent>;
  private readonly locks: Collection<TokenLock>;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly owner: string;

  constructor(private readonly o: EntraOAuthOptions) {
    this.states = o.store.collection<PendingConsent>("oauthStates");
    this.locks = o.store.collection<TokenLock>("tokenLocks");
    this.owner = `${o.owner ?? process.pid}:${b64url(randomBytes(6))}`;
  }

  private app(scope: string, redirectUri = ""): EntraApp {
    return { clientId: this.o.clientId, clientSecret: this.o.clientSecret, redirectUri, scope, ...splitAuthority(this.o.authority) };
  }

  /** The connector, when it signs in with Entra. */
  signsIn(integrationId: string): (ConnectorDefinition & Required<Pick<ConnectorDefinition, "entraSignIn">>) | undefined {
    const definition = this.o.registry.get(integrationId);
    return definition?.entraSignIn ? (definition as ConnectorDefinition & Required<Pick<ConnectorDefinition, "entraSignIn">>) : undefined;
  }

  private scopeOf(integrationId: string | undefined): string {
    const definition = this.signsIn(integrationId ?? "azuredevops");
    if (!definition) throw signInFailed("This sign-in is for a connector that no longer signs in with Microsoft Entra ID.");
    return definition.entraSignIn.scope;
  }

  /** The sign-in URL for an Entra connection of this connector that the actor may edit. */
  async start(actor: Actor, integrationId: string, connectionId: string, redirectUri: string): Promise<{ url: string; state: string; expiresAt: Date }> {
    const { connection } = await this.o.service.usableConnection(actor, connectionId, "edit").catch((error: unknown) => {
      // An expired sign-in must not stop someone from signing in again.
      if ((error as { id?: string }).id === "source_error") return this.o.service.getConnection(actor, connectionId).then((c) => ({ connection: c }));
      throw error;
    });
    const definition = this.signsIn(integrationId);
    if (!definition || connection.integrationId !== integrationId || connection.config.auth !== "entra") {
      throw badRequest(`Only ${definition?.displayName ?? integrationId} connections set to Microsoft Entra ID sign-in use this.`);
    }
    if (!actor.userId) throw forbidden(`Sign in as a person to connect ${definition.displayName}.`);
    const state = b64url(randomBytes(32));
    const verifier = b64url(randomBytes(48));
    const expiresAt = new Date(Date.now() + (this.o.stateTtlMs ?? 10 * 60_000));
    await this.states.insertOne({ _id: state, tenantId: actor.tenantId, integrationId, connectionId, userId: actor.userId, verifier, redirectUri, expiresAt });
    return { url: authorizeUrl(this.app(definition.entraSignIn.scope, redirectUri), state, pkceChallenge(verifier)), state, expiresAt };
  }

  /**
   * Entra's sign-in URL for a pending, unused state: Pacer's own start page (BEGIN_PATH) redirects
   * to it, since Teams opens only https URLs of the app's valid domains in its auth window.
   */
  async authorizeUrlFor(integrationId: string, state: string): Promise<string> {
    const pending = await this.pendingFor(integrationId, state);
    return authorizeUrl(this.app(this.scopeOf(pending.integrationId), pending.redirectUri!), state, pkceChallenge(pending.verifier!));
  }

  /** A pending, unexpired state started for this connector. */
  private async pendingFor(integrationId: string, state: string): Promise<PendingConsent> {
    const pending = await this.states.findOne({ _id: state });
    if (!pending?.verifier || pending.expiresAt.getTime() < Date.now() || (pending.integrationId ?? "azuredevops") !== integrationId) {
      throw signInFailed("This sign-in link expired or is unknown; start again from Pacer.");
    }
    return pending;
  }

  /** Consumes the state once, exchanges the code and seals the tokens. */
  async callback(integrationId: string, code: string, state: string): Promise<{ connectionName: string }> {
    const pending = await this.pendingFor(integrationId, state);
    try {
      await this.states.insertOne({ _id: `${state}#used`, expiresAt: pending.expiresAt });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw signInFailed("This sign-in was already used; start again from Pacer.");
      throw error;
    }
    const tokens = await exchangeCode(this.app(this.scopeOf(pending.integrationId), pending.redirectUri!), code, pending.verifier!, this.o.fetchFn).catch((error: unknown) => {
      throw signInFailed((error as Error).message);
    });
    await this.o.service.storeSecrets(pending.tenantId!, pending.connectionId!, { ...tokens }, { resume: true });
    await this.states.deleteOne({ _id: state }).catch(() => undefined);
    const connection = await this.o.service.store.connections.findById(pending.tenantId!, pending.connectionId!);
    return { connectionName: connection?.name ?? this.signsIn(integrationId)?.displayName ?? integrationId };
  }

  /** The engine's and the service's hook: fresh tokens for Entra connections, else the secrets as they are. */
  prepareSecrets = async (connection: Connection, secrets: unknown, signal?: AbortSignal): Promise<unknown> => {
    const current = tokensOf(secrets);
    if (connection.config.auth !== "entra" || !this.signsIn(connection.integrationId) || !current || !needsRefresh(current)) return secrets;
    let running = this.inFlight.get(connection._id);
    if (!running) {
      running = this.refreshLocked(connection, signal).finally(() => this.inFlight.delete(connection._id));
      this.inFlight.set(connection._id, running);
    }
    return { ...(secrets as object), ...(await running as OAuthTokens) };
  };

  private async latest(connection: Connection): Promise<OAuthTokens | null> {
    const fresh = await this.o.service.store.connections.findById(connection.tenantId, connection._id);
    return fresh ? tokensOf(await this.o.service.openSecrets(fresh)) : null;
  }

  private async refreshLocked(connection: Connection, signal?: AbortSignal): Promise<OAuthTokens> {
    const ttl = this.o.lockTtlMs ?? 30_000;
    const deadline = Date.now() + ttl * 2;
    for (;;) {
      if (await this.tryLock(connection._id, ttl)) {
        try {
          // Another process may have refreshed between our read and our lock.
          const tokens = await this.latest(connection);
          if (!tokens) throw transientError("The connection's tokens disappeared; sign in again.");
          if (!needsRefresh(tokens)) return tokens;
          const refresher = new TokenRefresher(this.app(this.scopeOf(connection.integrationId)), (id, t) => this.o.service.storeSecrets(connection.tenantId, id, { ...t }), this.o.fetchFn);
          return await refresher.fresh(connection._id, tokens, signal);
        } finally {
          await this.locks.deleteOne({ _id: connection._id, owner: this.owner }).catch((error: unknown) => this.o.log.warn({ err: error }, "could not release a token lock"));
        }
      }
      // Someone else is refreshing: use what it saves.
      await new Promise((r) => setTimeout(r, 100));
      const tokens = await this.latest(connection);
      if (tokens && !needsRefresh(tokens)) return tokens;
      if (Date.now() > deadline || signal?.aborted) throw transientError("Another Pacer process is renewing this connection's sign-in; try again shortly.");
    }
  }

  private async tryLock(connectionId: string, ttlMs: number): Promise<boolean> {
    try {
      await this.locks.insertOne({ _id: connectionId, owner: this.owner, expiresAt: new Date(Date.now() + ttlMs) });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const held = await this.locks.findOne({ _id: connectionId });
      // A dead holder: remove exactly its lock (same expiry), then race for a new one with a unique insert.
      if (held && held.expiresAt.getTime() < Date.now()) await this.locks.deleteOne({ _id: connectionId, expiresAt: held.expiresAt });
      return false;
    }
  }
}

function tokensOf(secrets: unknown): OAuthTokens | null {
  const s = (secrets ?? {}) as Record<string, unknown>;
  return typeof s.accessToken === "string" && typeof s.refreshToken === "string" && typeof s.expiresAt === "string"
    ? { accessToken: s.accessToken, refreshToken: s.refreshToken, expiresAt: s.expiresAt }
    : null;
}

/** A small page for the browser window the sign-in ran in. */
export function callbackPage(outcome: "ok" | "failed", title: string, message: string): string {
  const esc = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  // AUTH_END_SCRIPT (the tab's build) tells Teams the outcome when this page is Teams' auth window;
  // in a browser popup, the tab reads the h1 and p.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><script type="module" src="${AUTH_END_SCRIPT}"></script></head><body data-outcome="${outcome}" data-message="${esc(message)}" style="font-family:system-ui,sans-serif;margin:3rem"><h1>${esc(title)}</h1><p>${esc(message)}</p></body></html>`;
}
