import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from "botbuilder";
import type { Request, RequestHandler, Response } from "express";
import type { Config } from "../../core/config/config.js";
import type { Logger } from "../../core/log/logger.js";
import type { ChannelAccount, ConnectorResult, ConversationReference, IncomingActivity, InvokeResponse, OutgoingActivity, PagedMembers, TurnLogic } from "../activity.js";
import { authorizationHeader, PacerCredentialFactory } from "./credentials.js";

/**
 * The only module that knows botbuilder. It authenticates inbound requests (Bot Framework JWT:
 * issuer, audience = BOT_ID, `serviceurl` claim, signing keys from the OpenID document), runs the
 * turn logic on plain activities, and posts proactive messages. Everything else is plain data.
 */
export interface BotAdapter {
  /** Express handler for POST /api/messages (expects a JSON-parsed body). */
  handler: RequestHandler;
  /** One attempt to post into a conversation (or reply in a thread); retries are the caller's. */
  sendToConversation(reference: ConversationReference, activity: OutgoingActivity, options?: { replyToId?: string }): Promise<SendOutcome>;
  /**
   * One page of the members of a team (or chat) the bot is installed in.
   * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/get-teams-context#fetch-the-roster-or-user-profile
   */
  pagedMembers(reference: ConversationReference, page: { pageSize: number; continuationToken?: string | undefined }): Promise<ConnectorResult<PagedMembers>>;
  /**
   * Starts the bot's 1:1 chat with a member of a team or chat it is installed in (Teams answers the
   * existing chat's id when there is one), "Create the conversation" in
   * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages
   */
  createPersonalConversation(input: { serviceUrl: string; bot: ChannelAccount; memberId: string; tenantId: string }): Promise<ConnectorResult<{ id: string }>>;
  /** Whether inbound requests are authenticated (false only with an empty BOT_ID outside production). */
  authenticated: boolean;
}

export type SendOutcome =
  | { ok: true; id: string | undefined }
  | { ok: false; status: number; retryAfterMs: number | undefined; error: string };

const PUBLIC_CLOUD = { loginUrl: "https://login.microsoftonline.com/botframework.com", scope: "https://api.botframework.com" };
const GOVERNMENT_CLOUD = { loginUrl: "https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us", scope: "https://api.botframework.us" };

/** The public-cloud inbound issuer; sovereign clouds set ToBotFromChannelTokenIssuer. */
const JWT_ERRORS = new Set(["JsonWebTokenError", "TokenExpiredError", "NotBeforeError"]);

class PacerCloudAdapter extends CloudAdapter {
  run(authHeader: string, activity: IncomingActivity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity as never, logic);
  }
}

export function createBotAdapter(config: Config, log: Logger, logic: TurnLogic): BotAdapter {
  const credentials = new PacerCredentialFactory({ appId: config.BOT_ID, password: config.BOT_PASSWORD, tenantId: config.BOT_TENANT_ID });
  const overrides = Object.fromEntries(
    (
      [
        "ToBotFromChannelOpenIdMetadataUrl",
        "ToBotFromChannelTokenIssuer",
        "ToChannelFromBotLoginUrl",
        "ToChannelFromBotOAuthScope",
        "OAuthUrl",
        "CallerId",
        "ChannelService",
      ] as const
    ).flatMap((key) => (config[key] ? [[key, config[key]]] : [])),
  );
  const auth = new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: config.BOT_ID ?? "",
      MicrosoftAppPassword: config.BOT_PASSWORD ?? "",
      MicrosoftAppType: config.BOT_TENANT_ID ? "SingleTenant" : "MultiTenant",
      ...(config.BOT_TENANT_ID ? { MicrosoftAppTenantId: config.BOT_TENANT_ID } : {}),
      ...overrides,
    },
    credentials,
  );
  const adapter = new PacerCloudAdapter(auth);
  // Errors inside a turn: log them, and answer a person's message so they are not left waiting;
  // never post into a channel for other activity types (installs, reactions, invokes).
  adapter.onTurnError = async (context, error) => {
    log.error({ err: error, activityType: context.activity.type, name: context.activity.name }, "bot turn failed");
    if (context.activity.type === "message") {
      await context.sendActivity("Sorry, something went wrong on Pacer's side; it has been logged. Try again in a moment.").catch(() => undefined);
    }
  };

  const cloud = config.ChannelService === "https://botframework.azure.us" ? GOVERNMENT_CLOUD : PUBLIC_CLOUD;
  const outbound = {
    loginUrl: config.ToChannelFromBotLoginUrl ?? (config.BOT_TENANT_ID && cloud === PUBLIC_CLOUD ? `https://login.microsoftonline.com/${config.BOT_TENANT_ID}` : cloud.loginUrl),
    scope: config.ToChannelFromBotOAuthScope ?? cloud.scope,
  };
  let outboundCredentials: Promise<unknown> | undefined;

  const handler: RequestHandler = async (req: Request, res: Response) => {
    const activity = req.body as IncomingActivity | undefined;
    if (!activity || typeof activity !== "object" || typeof activity.type !== "string" || typeof activity.serviceUrl !== "string" || !activity.conversation || !activity.from) {
      res.status(400).json({ error: { id: "invalid_activity", message: "The body is not a Bot Framework activity." } });
      return;
    }
    try {
      const invokeResponse = await adapter.run(req.get("authorization") ?? "", activity, async (context) => {
        const result = await logic(context.activity as unknown as IncomingActivity, {
          async reply(outgoing) {
            const sent = await context.sendActivity(outgoing);
            return sent?.id;
          },
        });
        if (result) await context.sendActivity({ type: "invokeResponse", value: result });
      });
      if (invokeResponse?.body !== undefined) res.status(invokeResponse.status).json(invokeResponse.body);
      else res.status(invokeResponse?.status ?? 200).end();
    } catch (error) {
      const err = error as { statusCode?: number; name?: string; message?: string };
      if (err.statusCode === 401 || JWT_ERRORS.has(err.name ?? "")) {
        // botbuilder throws a bare jsonwebtoken error for a bad signature from an accepted issuer: still a 401.
        log.warn({ reason: err.message }, "refused a bot request: bad token");
        res.status(401).json({ error: { id: "unauthenticated", message: "The Bot Framework token is missing or invalid." } });
        return;
      }
      log.error({ err: error }, "bot request failed");
      res.status(500).json({ error: { id: "internal_error", message: "Something went wrong on our side; it has been logged." } });
    }
  };

  return {
    handler,
    authenticated: Boolean(config.BOT_ID),
    async sendToConversation(reference, activity, options = {}) {
      const path = `/v3/conversations/${encodeURIComponent(reference.conversation.id)}/activities${options.replyToId ? `/${encodeURIComponent(options.replyToId)}` : ""}`;
      const body = {
        ...activity,
        from: reference.bot,
        conversation: { id: reference.conversation.id },
        ...(options.replyToId ? { replyToId: options.replyToId } : {}),
      };
      const answer = await connector<{ id?: string }>("POST", reference.serviceUrl, path, body);
      return answer.ok ? { ok: true, id: answer.value?.id ?? undefined } : answer;
    },
    async pagedMembers(reference, page) {
      const query = new URLSearchParams({ pageSize: String(page.pageSize), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) });
      const answer = await connector<PagedMembers>("GET", reference.serviceUrl, `/v3/conversations/${encodeURIComponent(reference.conversation.id)}/pagedmembers?${query}`);
      if (!answer.ok) return answer;
      if (!Array.isArray(answer.value?.members)) return { ok: false, status: 502, retryAfterMs: undefined, error: "the Bot Connector answered no members list" };
      return { ok: true, value: { members: answer.value.members, continuationToken: answer.value.continuationToken || undefined } };
    },
    async createPersonalConversation({ serviceUrl, bot, memberId, tenantId }) {
      const body = { isGroup: false, bot: { id: bot.id }, members: [{ id: memberId }], tenantId, channelData: { tenant: { id: tenantId } } };
      const answer = await connector<{ id?: string }>("POST", serviceUrl, "/v3/conversations", body);
      if (!answer.ok) return answer;
      const id = answer.value?.id;
      return typeof id === "string" && id ? { ok: true, value: { id } } : { ok: false, status: 502, retryAfterMs: undefined, error: "the Bot Connector answered no conversation id" };
    },
  };

  /** One authenticated call to the Bot Connector (the bot's outbound token); the JSON answer, or the failure. */
  async function connector<T>(method: "GET" | "POST", serviceUrl: string, path: string, body?: unknown): Promise<ConnectorResult<T | undefined>> {
    let authorization: string | undefined;
    try {
      if (config.BOT_ID) {
        outboundCredentials ??= credentials.createCredentials(config.BOT_ID, outbound.scope, outbound.loginUrl, true);
        authorization = await authorizationHeader(await outboundCredentials);
      }
    } catch (error) {
      outboundCredentials = undefined;
      return { ok: false, status: 0, retryAfterMs: undefined, error: `could not get a bot token: ${(error as Error).message}` };
    }
    let res: globalThis.Response;
    try {
      res = await fetch(`${serviceUrl.replace(/\/+$/, "")}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(authorization ? { authorization } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      return { ok: false, status: 0, retryAfterMs: undefined, error: (error as Error).message };
    }
    const text = await res.text();
    if (!res.ok) return { ok: false, status: res.status, retryAfterMs: retryAfterMs(res.headers.get("retry-after")), error: text.slice(0, 500) };
    try {
      return { ok: true, value: text ? (JSON.parse(text) as T) : undefined };
    } catch {
      return { ok: true, value: undefined }; // done (a sent message must not be sent again); the caller checks what it needs
    }
  }
}

/** `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
