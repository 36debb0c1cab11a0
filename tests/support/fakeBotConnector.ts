/**
 * A loopback stand-in for the Bot Framework's side of a Teams bot, following the Bot Connector
 * REST API: https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference
 *
 * It serves three things on one 127.0.0.1 port:
 * - the channel's OpenID document and signing keys (a locally generated RSA key, endorsed for
 *   `msteams`), and `signToken()` to sign inbound requests like the Bot Connector does;
 * - the Entra token endpoint the bot gets its outbound token from (`/botframework.com/oauth2/v2.0/token`);
 * - `/v3/conversations/{id}/activities[/{replyToId}]`, recording every call; `failNext()` makes
 *   the next calls answer 429/412/502… instead of 201;
 * - the roster of a team or chat, `GET /v3/conversations/{id}/pagedmembers?pageSize&continuationToken`
 *   (`setRoster()`; page sizes below 50 count as 50, above 500 as 500), as documented in
 *   https://learn.microsoft.com/microsoftteams/platform/bots/how-to/get-teams-context#fetch-the-roster-or-user-profile
 *   and https://learn.microsoft.com/microsoftteams/platform/resources/team-chat-member-api-changes;
 * - `POST /v3/conversations` starting a 1:1 chat with a member of a team the bot is in, "Create the
 *   conversation" in https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages
 *   (body `{ isGroup: false, bot: { id: "28:…" }, members: [{ id: "29:…" }], tenantId, channelData: { tenant: { id } } }`,
 *   answer `{ id: "a:…" }`, the same id again for the same bot, member and tenant). Only members of a roster
 *   set for that tenant can be reached; `refuseChatWith()` makes Teams answer 403 for a person.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export const CHANNEL_ISSUER = "https://api.botframework.com";

export interface RecordedCall {
  conversationId: string;
  replyToId: string | undefined;
  authorization: string | undefined;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  /** The activity id the fake answered with (201 only). */
  id: string | undefined;
  at: number;
}

/** A `TeamsChannelAccount` of a roster. */
export interface FakeMember {
  id: string;
  aadObjectId: string;
  name: string;
  email?: string;
  userPrincipalName?: string;
  tenantId: string;
  userRole?: "user" | "guest" | "anonymous";
}

export interface RecordedCreate {
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  /** The personal chat's id (2xx only). */
  id: string | undefined;
}

export interface RecordedRosterRead {
  conversationId: string;
  pageSize: string | undefined;
  continuationToken: string | undefined;
  status: number;
}

export interface FakeBotConnector {
  /** Base URL, also the activities' `serviceUrl`. */
  url: string;
  calls: RecordedCall[];
  tokenRequests: Array<Record<string, string>>;
  /** Env for startTestPacer: the botbuilder override keys pointing here. */
  env(botId: string, password: string): Record<string, string>;
  signToken(claims: { aud: string; serviceUrl?: string; expiresInSeconds?: number; issuer?: string; key?: "channel" | "forged" }): Promise<string>;
  creates: RecordedCreate[];
  rosterReads: RecordedRosterRead[];
  /** The members of a team or chat (its conversation id). `maxPage`: the service answering fewer than asked per page. */
  setRoster(conversationId: string, members: FakeMember[], options?: { maxPage?: number }): void;
  /** Creating a 1:1 chat with this Teams id (`29:…`) answers 403 (the person blocked the bot, or the app is not allowed for them). */
  refuseChatWith(teamsId: string): void;
  /** The next `count` activity posts answer `status` (with Retry-After when given). */
  failNext(status: number, count?: number, retryAfterSeconds?: number): void;
  /** Waits until `predicate` holds for the recorded calls (proactive sends happen after the request). */
  waitFor(predicate: (calls: RecordedCall[]) => boolean, timeoutMs?: number): Promise<RecordedCall[]>;
  close(): Promise<void>;
}

export async function startFakeBotConnector(): Promise<FakeBotConnector> {
  const kid = `key-${randomUUID()}`;
  const channel = await generateKeyPair("RS256", { extractable: true });
  const forged = await generateKeyPair("RS256", { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(channel.publicKey)), kid, use: "sig", alg: "RS256" };
  const calls: RecordedCall[] = [];
  const tokenRequests: Array<Record<string, string>> = [];
  const issuedTokens = new Set<string>();
  const failures: Array<{ status: number; retryAfterSeconds: number | undefined }> = [];
  let messageCount = 0;
  const creates: RecordedCreate[] = [];
  const rosterReads: RecordedRosterRead[] = [];
  const rosters = new Map<string, { members: FakeMember[]; maxPage: number }>();
  const refused = new Set<string>();
  const personalChats = new Map<string, string>();
  const authorized = (req: express.Request) => {
    const bearer = req.get("authorization")?.replace(/^Bearer /, "");
    return Boolean(bearer && issuedTokens.has(bearer));
  };
  const fail = (res: express.Response, status: number, code: string, message: string) => res.status(status).json({ error: { code, message } });

  const app = express();
  let base = "";
  app.get("/openid", (_req, res) => {
    res.json({ issuer: CHANNEL_ISSUER, authorization_endpoint: `${base}/auth`, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ["RS256"], token_endpoint_auth_methods_supported: ["private_key_jwt"] });
  });
  app.get("/keys", (_req, res) => {
    res.json({ keys: [{ ...publicJwk, endorsements: ["msteams"] }] });
  });
  app.post("/botframework.com/oauth2/v2.0/token", express.urlencoded({ extended: false }), (req, res) => {
    tokenRequests.push(req.body as Record<string, string>);
    const token = `fake-bot-token-${randomUUID()}`;
    issuedTokens.add(token);
    res.json({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token });
  });
  const activities = (req: express.Request, res: express.Response) => {
    const params = req.params as { conversationId: string; activityId?: string };
    const authorization = req.get("authorization");
    const failure = failures.shift();
    const bearer = authorization?.replace(/^Bearer /, "");
    const status = failure?.status ?? (bearer && issuedTokens.has(bearer) ? 201 : 401);
    const id = status < 400 ? `msg-${(messageCount += 1)}` : undefined;
    calls.push({ conversationId: params.conversationId, replyToId: params.activityId, authorization, body: req.body, status, id, at: Date.now() });
    if (failure?.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(failure.retryAfterSeconds));
    if (status >= 400) {
      res.status(status).json({ error: { code: status === 429 ? "Throttled" : status === 401 ? "Unauthorized" : "ServiceError", message: `fake answered ${status}` } });
      return;
    }
    res.status(201).json({ id });
  };
  app.get("/v3/conversations/:conversationId/pagedmembers", (req, res) => {
    const { conversationId } = req.params as { conversationId: string };
    const pageSize = typeof req.query.pageSize === "string" ? req.query.pageSize : undefined;
    const continuationToken = typeof req.query.continuationToken === "string" ? req.query.continuationToken : undefined;
    const roster = rosters.get(conversationId);
    const record = (status: number) => rosterReads.push({ conversationId, pageSize, continuationToken, status });
    if (!authorized(req)) {
      record(401);
      fail(res, 401, "Unauthorized", "fake: no valid bot token");
      return;
    }
    if (!roster) {
      record(403);
      fail(res, 403, "BotNotInConversationRoster", "fake: the bot is not part of the conversation roster");
      return;
    }
    const offset = continuationToken === undefined ? 0 : Number(continuationToken.replace(/^page-/, ""));
    if (!Number.isInteger(offset) || offset < 0 || offset >= roster.members.length) {
      record(400);
      fail(res, 400, "BadArgument", "fake: invalid continuation token");
      return;
    }
    const asked = Math.min(500, Math.max(50, Number(pageSize ?? 200) || 200));
    const end = offset + Math.min(asked, roster.maxPage);
    record(200);
    res.json({ members: roster.members.slice(offset, end), ...(end < roster.members.length ? { continuationToken: `page-${end}` } : {}) });
  });
  app.post("/v3/conversations", express.json({ limit: "1mb" }), (req, res) => {
    const body = req.body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const answer = (status: number, id?: string) => creates.push({ body, status, id });
    if (!authorized(req)) {
      answer(401);
      fail(res, 401, "Unauthorized", "fake: no valid bot token");
      return;
    }
    const member = body?.members?.[0]?.id;
    const tenantId = body?.tenantId;
    if (body?.isGroup !== false || typeof body?.bot?.id !== "string" || !body.bot.id.startsWith("28:") || body.members.length !== 1 || typeof member !== "string" || !member.startsWith("29:") || typeof tenantId !== "string" || body?.channelData?.tenant?.id !== tenantId) {
      {
      answer(400);
      fail(res, 400, "BadArgument", "fake: not a documented 1:1 conversation request");
      return;
    }
    }
    const listed = [...rosters.values()].some((r) => r.members.some((m) => m.id === member && m.tenantId === tenantId));
    if (!listed) {
      answer(403);
      fail(res, 403, "Forbidden", "fake: the bot shares no team or chat with this user in this tenant");
      return;
    }
    if (refused.has(member)) {
      answer(403);
      fail(res, 403, "Forbidden", "fake: the user blocked the bot");
      return;
    }
    const key = `${body.bot.id}|${member}|${tenantId}`;
    const id = personalChats.get(key) ?? `a:${randomUUID()}`;
    personalChats.set(key, id);
    answer(201, id);
    res.status(201).json({ id });
  });
  app.post("/v3/conversations/:conversationId/activities", express.json({ limit: "1mb" }), activities);
  app.post("/v3/conversations/:conversationId/activities/:activityId", express.json({ limit: "1mb" }), activities);

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${base}/`,
    calls,
    tokenRequests,
    creates,
    rosterReads,
    setRoster(conversationId, members, options = {}) {
      rosters.set(conversationId, { members, maxPage: options.maxPage ?? Number.POSITIVE_INFINITY });
    },
    refuseChatWith(teamsId) {
      refused.add(teamsId);
    },
    env: (botId, password) => ({
      BOT_ID: botId,
      BOT_PASSWORD: password,
      ToBotFromChannelOpenIdMetadataUrl: `${base}/openid`,
      ToBotFromChannelTokenIssuer: CHANNEL_ISSUER,
      ToChannelFromBotLoginUrl: `${base}/botframework.com`,
      ToChannelFromBotOAuthScope: "https://api.botframework.com",
      OAuthUrl: `${base}/oauth`,
    }),
    async signToken({ aud, serviceUrl = `${base}/`, expiresInSeconds = 3600, issuer = CHANNEL_ISSUER, key = "channel" }) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ serviceurl: serviceUrl })
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setIssuer(issuer)
        .setAudience(aud)
        .setIssuedAt(now - 60)
        .setNotBefore(now - 60)
        .setExpirationTime(now + expiresInSeconds)
        .sign((key === "channel" ? channel.privateKey : forged.privateKey) as CryptoKey);
    },
    failNext(status, count = 1, retryAfterSeconds) {
      for (let i = 0; i < count; i += 1) failures.push({ status, retryAfterSeconds });
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for Bot Connector calls; got ${calls.length}: ${JSON.stringify(calls.map((c) => [c.conversationId, c.status]))}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return calls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
