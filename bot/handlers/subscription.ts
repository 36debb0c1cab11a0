import { cardMessage, referenceOf, splitConversationId, textMessage } from "../activity.js";
import { noticeCard } from "../cards/progressCard.js";
import { subscribeCard } from "../cards/subscribeCard.js";
import type { InvokeResponse } from "../activity.js";
import { type SubscriptionTarget, targetOf } from "../store/botStore.js";
import { type BotDeps, cardActionError, cardResponse, type Turn, type TurnUser } from "./context.js";
import { matchesWords } from "./okrData.js";

interface Choice {
  target: SubscriptionTarget;
  title: string;
}

const ORGANIZATION_WORDS = new Set(["all", "everything", "everyone", "org", "organisation", "organization", "the organisation", "the organization", "whole organisation", "whole organization", "the whole organisation", "the whole organization"]);
const organizationChoice: Choice = { target: { kind: "organization" }, title: "The whole organisation (every check-in)" };

export const choiceValue = (target: SubscriptionTarget) => (target.kind === "organization" ? "organization" : target.kind === "team" ? `team:${target.teamId}` : `objective:${target.objectiveId}`);

export function parseChoiceValue(value: unknown): SubscriptionTarget | undefined {
  if (value === "organization") return { kind: "organization" };
  const match = typeof value === "string" ? /^(team|objective):(.{1,100})$/.exec(value) : null;
  if (!match) return undefined;
  return match[1] === "team" ? { kind: "team", teamId: match[2]! } : { kind: "objective", objectiveId: match[2]! };
}

/** Teams of the organisation and active objectives of the current period, as subscription choices. */
async function choices(deps: BotDeps, user: TurnUser): Promise<{ teams: Choice[]; objectives: Choice[] }> {
  const period = await deps.okr.periods.current(user.actor);
  const [teams, objectives] = await Promise.all([
    deps.okr.teams.list(user.actor, { limit: 100 }),
    deps.okr.objectives.list(user.actor, { limit: 100, periodId: period._id, state: "active" }),
  ]);
  return {
    teams: teams.items.map((t) => ({ target: { kind: "team", teamId: t._id }, title: `Team: ${t.name}` })),
    objectives: objectives.items.map((o) => ({ target: { kind: "objective", objectiveId: o._id }, title: `Objective: ${o.title}` })),
  };
}

/** What the words name: the whole organisation, a team by exact name, else teams and objectives containing every word. */
function matching(query: string, all: { teams: Choice[]; objectives: Choice[] }): Choice[] {
  const lower = query.toLowerCase();
  if (ORGANIZATION_WORDS.has(lower)) return [organizationChoice];
  const exactTeam = all.teams.filter((c) => c.title.slice("Team: ".length).toLowerCase() === lower);
  if (exactTeam.length === 1) return exactTeam;
  return [...all.teams, ...all.objectives].filter((c) => matchesWords(c.title.replace(/^(Team|Objective): /, ""), query));
}

async function saveHere(deps: BotDeps, turn: Turn, user: TurnUser): Promise<string> {
  const { conversationId } = splitConversationId(turn.activity.conversation.id);
  // The reference may be new (a message can arrive before the install event is processed).
  await deps.bots.saveConversation(user.caller.tenantId, { conversationId, scope: scopeOf(turn.activity.conversation.conversationType), reference: referenceOf(turn.activity), userId: personalUserId(turn, user) });
  await deps.bots.notePerson(user.caller.tenantId, conversationId, { teamsId: turn.activity.from.id });
  return conversationId;
}

const subscribedText = (title: string, created: boolean) =>
  created ? `Subscribed: progress cards for ${describe(title)} will be posted here. Send **unsubscribe** to stop.` : `This conversation already gets progress cards for ${describe(title)}.`;

const describe = (title: string) => (title.startsWith("Team: ") ? `team ${title.slice(6)}'s OKRs` : title.startsWith("Objective: ") ? `“${title.slice(11)}”` : "every check-in of the organisation");

/**
 * `subscribe [team | objective | all]`: this conversation gets progress cards for that team's
 * objectives (and those of teams below it), for that objective, or for the whole organisation.
 * Without words, or when several match, a card to pick from.
 */
export async function subscribe(deps: BotDeps, turn: Turn, user: TurnUser, query: string): Promise<void> {
  const conversationId = await saveHere(deps, turn, user);
  const all = await choices(deps, user);
  const found = query ? matching(query, all) : [];
  if (found.length === 1) {
    const created = await deps.bots.subscribe(user.caller.tenantId, conversationId, user.caller.user._id, found[0]!.target);
    await turn.io.reply(textMessage(subscribedText(found[0]!.title, created)));
    return;
  }
  if (query && found.length === 0) {
    await turn.io.reply(textMessage(`No team or objective of this period matches “${query}”. Send **subscribe** to pick one, or **subscribe all** for every check-in.`));
    return;
  }
  const offered = found.length > 1 ? found : [organizationChoice, ...all.teams, ...all.objectives];
  await turn.io.reply(
    cardMessage(subscribeCard({ prompt: found.length > 1 ? `Several match “${query}”: which one?` : "Which OKRs should I post progress cards for here?", choices: offered.map((c) => ({ value: choiceValue(c.target), title: c.title })) }), "Subscribe"),
  );
}

/** Verb `subscribe` (the pick card). */
export async function subscribeAction(deps: BotDeps, turn: Turn, user: TurnUser, data: Record<string, unknown>): Promise<InvokeResponse> {
  const target = parseChoiceValue(data.target);
  if (!target) return cardActionError(400, "BadRequest", "Pick a team, an objective or the whole organisation.");
  const title = await titleOf(deps, user, target);
  if (!title) return cardResponse(noticeCard("Not found", "That team or objective no longer exists."));
  const conversationId = await saveHere(deps, turn, user);
  const created = await deps.bots.subscribe(user.caller.tenantId, conversationId, user.caller.user._id, target);
  return cardResponse(noticeCard("Subscribed", subscribedText(title, created).replace(/\*\*/g, "")));
}

async function titleOf(deps: BotDeps, user: TurnUser, target: SubscriptionTarget): Promise<string | undefined> {
  if (target.kind === "organization") return organizationChoice.title;
  if (target.kind === "team") return deps.okr.teams.get(user.actor, target.teamId).then((t) => `Team: ${t.name}`, () => undefined);
  return deps.okr.objectives.get(user.actor, target.objectiveId).then((o) => `Objective: ${o.title}`, () => undefined);
}

/** `unsubscribe [words]`: without words every subscription here stops; with words, those whose team or objective matches. */
export async function unsubscribe(deps: BotDeps, turn: Turn, user: TurnUser, query: string): Promise<void> {
  const { tenantId } = user.caller;
  const { conversationId } = splitConversationId(turn.activity.conversation.id);
  if (!query) {
    const removed = await deps.bots.unsubscribe(tenantId, conversationId);
    await turn.io.reply(textMessage(removed ? "Unsubscribed: no more progress cards here." : "This conversation was not subscribed."));
    return;
  }
  const subscriptions = await deps.bots.subscriptionsOf(tenantId, conversationId);
  const named = await Promise.all(subscriptions.map(async (s) => ({ target: targetOf(s), title: (await titleOf(deps, user, targetOf(s))) ?? "" })));
  const lower = query.toLowerCase();
  const hits = named.filter((n) => (ORGANIZATION_WORDS.has(lower) ? n.target.kind === "organization" : n.target.kind !== "organization" && matchesWords(n.title.replace(/^(Team|Objective): /, ""), query)));
  for (const hit of hits) await deps.bots.unsubscribe(tenantId, conversationId, hit.target);
  await turn.io.reply(textMessage(hits.length > 0 ? `Unsubscribed from ${hits.map((h) => describe(h.title)).join(", ")}.` : `This conversation has no subscription matching “${query}”.`));
}

export function scopeOf(conversationType: string | undefined): "personal" | "groupChat" | "channel" {
  return conversationType === "channel" ? "channel" : conversationType === "groupChat" ? "groupChat" : "personal";
}

export const personalUserId = (turn: Turn, user: TurnUser) => (scopeOf(turn.activity.conversation.conversationType) === "personal" ? user.caller.user._id : null);
