import type { Caller, CallerResolver } from "../../core/auth/callerResolver.js";
import type { Logger } from "../../core/log/logger.js";
import { type Actor, userActor } from "../../core/okr/actor.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import type { IncomingActivity, InvokeResponse, OutgoingActivity, TurnIO } from "../activity.js";
import { ADAPTIVE_CARD, tenantOf } from "../activity.js";
import type { Card } from "../cards/template.js";
import type { BotStore } from "../store/botStore.js";

/** What every handler gets: the OKR services (same permission checks as the tab), the bot's own store, links. */
export interface BotDeps {
  okr: OkrServices;
  bots: BotStore;
  resolver: CallerResolver;
  log: Logger;
  /** Pacer's public address (TAB_ENDPOINT), for "Open in Pacer" links and link unfurling. */
  tabEndpoint: string | undefined;
  /** PACER_ALLOWED_TENANTS: empty allows every tenant. */
  allowedTenants: string[];
}

export interface Turn {
  activity: IncomingActivity;
  io: TurnIO;
}

/** The person behind an activity, as a Pacer user (created on first sight, like the REST API does). */
export interface TurnUser {
  caller: Caller;
  actor: Actor;
}

export type Identity = { ok: true; user: TurnUser } | { ok: false; reason: "no_user" | "tenant_not_allowed" };

/**
 * Maps `from.aadObjectId` + the conversation's tenant to the organisation and user. The channel
 * vouches for both (the request's token was verified), so this is the bot's sign-in.
 */
export async function identify(deps: BotDeps, activity: IncomingActivity): Promise<Identity> {
  const tenantId = tenantOf(activity)?.toLowerCase();
  const oid = activity.from.aadObjectId?.toLowerCase();
  if (!tenantId || !oid) return { ok: false, reason: "no_user" };
  if (deps.allowedTenants.length > 0 && !deps.allowedTenants.includes(tenantId)) return { ok: false, reason: "tenant_not_allowed" };
  const caller = await deps.resolver.resolve({ tenantId, oid, name: activity.from.name || undefined, via: "bot" });
  return { ok: true, user: { caller, actor: userActor(caller.tenantId, caller.user, "teams") } };
}

export const identityProblem = (reason: "no_user" | "tenant_not_allowed") =>
  reason === "tenant_not_allowed"
    ? "Your organisation is not allowed to use this Pacer installation."
    : "I cannot tell who you are here (no Microsoft Entra user on this message).";

/** Universal Actions answers (`adaptiveCard/action`): a card that replaces the one acted on, or a typed error. */
export const cardResponse = (card: Card): InvokeResponse => ({ status: 200, body: { statusCode: 200, type: ADAPTIVE_CARD, value: card } });

export const cardActionError = (statusCode: number, code: string, message: string): InvokeResponse => ({
  status: 200,
  body: { statusCode, type: "application/vnd.microsoft.error", value: { code, message } },
});

export const tabLink = (deps: Pick<BotDeps, "tabEndpoint">, path: string): string | undefined =>
  deps.tabEndpoint ? `${deps.tabEndpoint.replace(/\/+$/, "")}/tab/#${path}` : undefined;

export type Reply = OutgoingActivity;

/** The stable id of an AppError (`forbidden`, `conflict`…), when the error is one. */
export function appErrorOf(error: unknown): { id: string; status: number; message: string; details?: unknown } | undefined {
  const e = error as { name?: string; id?: unknown; status?: unknown; message?: string; details?: unknown };
  return e?.name === "AppError" && typeof e.id === "string" && typeof e.status === "number" ? { id: e.id, status: e.status, message: e.message ?? "", details: e.details } : undefined;
}
