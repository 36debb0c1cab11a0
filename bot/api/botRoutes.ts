import { Router } from "express";
import { z } from "zod";
import { badRequest, forbidden, notFound } from "../../core/errors/appError.js";
import { isOrgAdmin } from "../../core/okr/permissions.js";
import { type ApiDescription, operation } from "../../server/http/apiRoute.js";
import type { BotDeps } from "../handlers/context.js";
import { type BotSubscription, DEFAULT_REMINDER_SETTINGS, type SubscriptionTarget, targetOf } from "../store/botStore.js";

/** Schemas next to their routes (the bot's own settings; OKR schemas stay in core/okr/schemas.ts). */
export const reminderSettingsSchema = z.object({
  rhythm: z.enum(["weekly", "every2weeks", "every3weeks", "monthly", "off"]),
  weekday: z.number().int().min(0).max(6).default(DEFAULT_REMINDER_SETTINGS.weekday),
  time: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24-hour)")
    .default(DEFAULT_REMINDER_SETTINGS.time),
  skipCheckedInWithinDays: z.number().int().min(0).max(31).default(DEFAULT_REMINDER_SETTINGS.skipCheckedInWithinDays),
});

/** A Teams conversation id as the bot stores it: a channel's or chat's `19:…@…`, a personal chat's `a:…`; no thread suffix (`;messageid=`). */
const conversationIdSchema = z
  .string()
  .trim()
  .max(400)
  .regex(/^(19:[^\s;@]+@[^\s;@]+|a:[^\s;]+)$/, "must be a Teams conversation id (19:…@thread.tacv2, 19:…@thread.v2, a:…)");
/** A Teams channel id; a team's id (`context.team.internalId`) is its General channel's: `19:…@thread.tacv2` (`@thread.skype` in older teams). */
const channelIdSchema = z
  .string()
  .trim()
  .max(400)
  .regex(/^19:[^\s;@]+@thread\.(tacv2|skype)$/, "must be a Teams channel or team id (19:…@thread.tacv2)");

/** Where: the conversation, and for a channel optionally its team, so a channel the bot has not seen yet can be reached through the team's installation. */
const placeShape = { conversationId: conversationIdSchema, teamConversationId: channelIdSchema.optional() };
const channelOfTeam = (b: { conversationId: string; teamConversationId?: string | undefined }) => b.teamConversationId === undefined || channelIdSchema.safeParse(b.conversationId).success;
const channelOfTeamIssue = { message: "with teamConversationId, conversationId must be a channel id (19:…@thread.tacv2)", path: ["conversationId"] };

const subscriptionBody = z
  .object({
    ...placeShape,
    teamId: z.string().trim().min(1).max(100).optional(),
    objectiveId: z.string().trim().min(1).max(100).optional(),
    organization: z.literal(true).optional(),
  })
  .refine((b) => [b.teamId, b.objectiveId, b.organization].filter((v) => v !== undefined).length === 1, {
    message: "give exactly one of teamId, objectiveId or organization: true",
    path: ["teamId"],
  })
  .refine(channelOfTeam, channelOfTeamIssue);
const subscriptionQuery = z.object(placeShape).refine(channelOfTeam, channelOfTeamIssue);

const subscriptionView = z.object({
  conversationId: z.string(),
  target: z.union([z.object({ kind: z.literal("organization") }), z.object({ kind: z.literal("team"), teamId: z.string() }), z.object({ kind: z.literal("objective"), objectiveId: z.string() })]),
  createdBy: z.string().nullable(),
});

const view = (s: BotSubscription): z.infer<typeof subscriptionView> => ({ conversationId: s.conversationId, target: targetOf(s), createdBy: s.createdBy });

/**
 * /api/v1/bot: the organisation's check-in reminder rhythm (everyone reads it, org admins set it)
 * and progress-card subscriptions of conversations Pacer is installed in (the channel tab's
 * configuration page subscribes its channel here). Conversations of another tenant, or unknown
 * to the bot, are 404, except a channel of a team the bot is installed in (`teamConversationId`).
 */
export function botRoutes(deps: BotDeps, api: ApiDescription): Router {
  const router = Router();
  const tag = "Teams bot";
  operation(router, api, { method: "get", path: "/bot/reminders", tag, summary: "The organisation's check-in reminder rhythm", response: reminderSettingsSchema }, async ({ actor }) =>
    deps.bots.reminderSettings(actor.tenantId),
  );
  operation(router, api, { method: "put", path: "/bot/reminders", tag, summary: "Set the check-in reminder rhythm (org admins)", body: reminderSettingsSchema, response: reminderSettingsSchema }, async ({ actor, body }) => {
    if (!isOrgAdmin(actor)) throw forbidden("Only org owners and admins set the check-in reminders.");
    return deps.bots.saveReminderSettings(actor.tenantId, body, actor.userId);
  });

  const knownConversation = async (tenantId: string, conversationId: string) => {
    const conversation = await deps.bots.findConversation(tenantId, conversationId);
    if (!conversation) throw notFound("Conversation");
    return conversation;
  };
  /** The team's conversation (its General channel) when Pacer is installed in that team in this tenant, else 404. */
  const knownTeam = async (tenantId: string, teamConversationId: string | undefined) => {
    const team = teamConversationId ? await deps.bots.findConversation(tenantId, teamConversationId) : null;
    if (!team || team.scope !== "channel") throw notFound("Conversation");
    return team;
  };
  /** A channel unknown to the bot but of a team it is installed in: reached through the team's reference. */
  const reachableConversation = async (tenantId: string, place: { conversationId: string; teamConversationId?: string | undefined }) =>
    (await deps.bots.findConversation(tenantId, place.conversationId)) ?? deps.bots.adoptTeamChannel(tenantId, await knownTeam(tenantId, place.teamConversationId), place.conversationId);
  const targetOfBody = async (actor: Parameters<typeof deps.okr.teams.get>[0], body: z.output<typeof subscriptionBody>): Promise<SubscriptionTarget> => {
    if (body.teamId) return { kind: "team", teamId: (await deps.okr.teams.get(actor, body.teamId))._id };
    if (body.objectiveId) return { kind: "objective", objectiveId: (await deps.okr.objectives.get(actor, body.objectiveId))._id };
    if (body.organization) return { kind: "organization" };
    throw badRequest("Say what to subscribe to.");
  };

  operation(
    router,
    api,
    { method: "get", path: "/bot/subscriptions", tag, summary: "Subscriptions of a conversation", query: subscriptionQuery, response: z.object({ items: z.array(subscriptionView) }) },
    async ({ actor, query }) => {
      // A channel of a team Pacer is installed in has none yet (nothing is saved until it subscribes).
      if (!(await deps.bots.findConversation(actor.tenantId, query.conversationId))) await knownTeam(actor.tenantId, query.teamConversationId);
      return { items: (await deps.bots.subscriptionsOf(actor.tenantId, query.conversationId)).map(view) };
    },
  );
  operation(
    router,
    api,
    { method: "post", path: "/bot/subscriptions", tag, summary: "Post progress cards of a team's or an objective's OKRs (or the whole organisation's) to a conversation", body: subscriptionBody, response: subscriptionView.extend({ created: z.boolean() }), status: 201 },
    async ({ actor, body, res }) => {
      const target = await targetOfBody(actor, body);
      await reachableConversation(actor.tenantId, body);
      const created = await deps.bots.subscribe(actor.tenantId, body.conversationId, actor.userId, target);
      if (!created) res.locals.status = 200;
      return { conversationId: body.conversationId, target, createdBy: actor.userId, created };
    },
  );
  operation(router, api, { method: "delete", path: "/bot/subscriptions", tag, summary: "Stop one subscription of a conversation", body: subscriptionBody }, async ({ actor, body }) => {
    await knownConversation(actor.tenantId, body.conversationId);
    const target: SubscriptionTarget = body.teamId ? { kind: "team", teamId: body.teamId } : body.objectiveId ? { kind: "objective", objectiveId: body.objectiveId } : { kind: "organization" };
    if (!(await deps.bots.unsubscribe(actor.tenantId, body.conversationId, target))) throw notFound("Subscription");
  });
  return router;
}
