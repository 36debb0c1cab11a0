import type { DomainEvents } from "../../core/events.js";
import type { Logger } from "../../core/log/logger.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import { cardMessage, textMessage } from "../activity.js";
import { progressCard, progressDigestCard } from "../cards/progressCard.js";
import { type Card, valueText } from "../cards/template.js";
import { keyResultCardData } from "../handlers/okrData.js";
import { type BotStore, type SubscriptionTarget, targetOf } from "../store/botStore.js";
import type { ConversationSendQueue } from "./sendQueue.js";

export interface NotifierDeps {
  okr: OkrServices;
  bots: BotStore;
  queue: ConversationSendQueue;
  log: Logger;
  tabLink: (path: string) => string | undefined;
}

type CheckedIn = DomainEvents["keyResult.checkedIn"];

/** The conversations whose subscriptions cover this key result: the whole organisation, its objective, or the objective's owner team (or a team above it). */
export async function conversationsFor(deps: Pick<NotifierDeps, "okr" | "bots">, event: CheckedIn): Promise<string[]> {
  const { tenantId, objective } = event;
  const subscriptions = await deps.bots.subscriptions.find(tenantId, {});
  if (subscriptions.length === 0) return [];
  const ownerTeams = new Set<string>();
  if (objective.ownerType === "team") {
    const teams = await deps.okr.objectives.teamLookup(tenantId);
    for (let team = teams(objective.ownerId); team && !ownerTeams.has(team._id); team = team.parentTeamId ? teams(team.parentTeamId) : undefined) ownerTeams.add(team._id);
  }
  const matches = (target: SubscriptionTarget) =>
    target.kind === "organization" || (target.kind === "objective" && target.objectiveId === objective._id) || (target.kind === "team" && ownerTeams.has(target.teamId));
  return [...new Set(subscriptions.filter((s) => matches(targetOf(s))).map((s) => s.conversationId))];
}

/** Batch key of a conversation (tenant first: conversation ids are Teams' own). */
export const batchKey = (tenantId: string, conversationId: string) => `${tenantId}\u0000${conversationId}`;

/**
 * The check-ins batched for one conversation → one card: a progress card for a single key
 * result (its thread mirrors the key result's feed), a digest when several changed together
 * (threaded on the objective when they share one). Each key result shows its first previous
 * value and its latest value.
 */
export async function deliverProgress(deps: NotifierDeps, key: string, events: CheckedIn[]): Promise<void> {
  const [tenantId = "", conversationId = ""] = key.split("\u0000");
  const conversation = await deps.bots.findConversation(tenantId, conversationId);
  if (!conversation) return;
  const byKeyResult = new Map<string, { first: CheckedIn; last: CheckedIn }>();
  for (const event of events) {
    const seen = byKeyResult.get(event.keyResult._id);
    if (!seen) byKeyResult.set(event.keyResult._id, { first: event, last: event });
    else if (event.checkIn.at.getTime() >= seen.last.checkIn.at.getTime()) seen.last = event;
    else seen.first = event.checkIn.at.getTime() < seen.first.checkIn.at.getTime() ? event : seen.first;
  }
  const changes = [...byKeyResult.values()];
  const threaded = conversation.scope !== "personal";
  const userIds = conversation.recentUserIds;
  const authorName = async (id: string | null) => (id ? ((await deps.okr.objectives.users.findById(tenantId, id))?.name ?? "Someone") : "Someone");
  const sourceText = async (event: CheckedIn) =>
    event.checkIn.source.kind === "integration" ? `from ${event.checkIn.source.integrationId}` : `by ${await authorName(event.checkIn.authorId)}`;
  const krUrl = (id: string) => deps.tabLink(`/kr/${encodeURIComponent(id)}`);

  let card: Card;
  let summary: string;
  let thread: { subjectType: "keyResult" | "objective"; subjectId: string; objectiveId: string } | undefined;
  if (changes.length === 1) {
    const { first, last } = changes[0]!;
    const { checkIn, keyResult, objective } = last;
    const view = await keyResultCardData(deps.okr, tenantId, keyResult, objective);
    card = progressCard({
      ...view,
      keyResultId: keyResult._id,
      heading: checkIn.source.kind === "integration" ? "Updated from its data source" : `${await authorName(checkIn.authorId)} checked in`,
      previousValueText: valueText(keyResult.measurement, first.checkIn.previousValue),
      note: checkIn.note,
      late: checkIn.late,
      url: krUrl(keyResult._id),
      repliesBecomeComments: threaded,
      refreshUserIds: userIds,
    });
    summary = `${view.keyResultTitle}: ${Math.round(view.progress)}%`;
    thread = { subjectType: "keyResult", subjectId: keyResult._id, objectiveId: objective._id };
  } else {
    const objectives = new Set(changes.map((c) => c.last.objective._id));
    const sharedObjective = objectives.size === 1 ? changes[0]!.last.objective : undefined;
    const items = await Promise.all(
      changes.map(async ({ first, last }) => ({
        ...(await keyResultCardData(deps.okr, tenantId, last.keyResult, last.objective)),
        keyResultId: last.keyResult._id,
        previousValueText: valueText(last.keyResult.measurement, first.checkIn.previousValue),
        sourceText: await sourceText(last),
        url: krUrl(last.keyResult._id),
      })),
    );
    card = progressDigestCard({
      heading: `${changes.length} key results changed${sharedObjective ? ` in “${sharedObjective.title}”` : ""}`,
      items,
      refreshUserIds: userIds,
      repliesBecomeComments: threaded && Boolean(sharedObjective),
    });
    summary = `${changes.length} key results changed`;
    thread = sharedObjective ? { subjectType: "objective", subjectId: sharedObjective._id, objectiveId: sharedObjective._id } : undefined;
  }
  const outcome = await deps.queue.enqueue(conversation.reference, cardMessage(card, summary));
  if (outcome.ok && outcome.id && threaded && thread) {
    await deps.bots.linkThread(tenantId, { conversationId: conversation.conversationId, rootActivityId: outcome.id, ...thread });
  }
  if (!outcome.ok && (outcome.status === 403 || outcome.status === 404)) {
    // The bot was removed or the conversation deleted without an uninstall event reaching us.
    deps.log.warn({ tenantId, conversationId: conversation.conversationId, status: outcome.status }, "dropping a subscription Teams refuses");
    await deps.bots.removeConversation(tenantId, conversation.conversationId);
  }
}

/**
 * `activity.commented` from the tab (or API) → a reply in every Teams thread linked to that OKR.
 * Comments that came from Teams are not echoed back.
 */
export async function mirrorComment(deps: NotifierDeps, event: DomainEvents["activity.commented"]): Promise<void> {
  const { tenantId, comment } = event;
  if (comment.origin === "teams") return;
  const threads = await deps.bots.threads.find(tenantId, { subjectId: comment.subjectId });
  if (threads.length === 0) return;
  const author = comment.authorId ? await deps.okr.objectives.users.findById(tenantId, comment.authorId) : null;
  const message = textMessage(`**${author?.name ?? "Someone"}** commented in Pacer: ${comment.text}`);
  await Promise.all(
    threads.map(async (thread) => {
      const conversation = await deps.bots.findConversation(tenantId, thread.conversationId);
      if (!conversation) return;
      const outcome = await deps.queue.enqueue(conversation.reference, message, { replyToId: thread.rootActivityId });
      // Reactions on the mirrored message count on the comment.
      if (outcome.ok && outcome.id) await deps.bots.linkMessageToComment(tenantId, thread.conversationId, outcome.id, comment._id);
    }),
  );
}
