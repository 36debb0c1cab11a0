import type { DomainEvents } from "../../core/events.js";
import type { Logger } from "../../core/log/logger.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import { cardMessage, textMessage } from "../activity.js";
import { progressCard } from "../cards/progressCard.js";
import { valueText } from "../cards/template.js";
import { keyResultCardData } from "../handlers/okrData.js";
import type { BotStore } from "../store/botStore.js";
import type { ConversationSendQueue } from "./sendQueue.js";

export interface NotifierDeps {
  okr: OkrServices;
  bots: BotStore;
  queue: ConversationSendQueue;
  log: Logger;
  tabLink: (path: string) => string | undefined;
}

/**
 * `keyResult.checkedIn` → a progress card in every subscribed conversation of the tenant. In
 * channels and group chats the card starts a thread linked to the key result, whose replies
 * become comments (see handlers/threadReply.ts).
 */
export async function postProgress(deps: NotifierDeps, event: DomainEvents["keyResult.checkedIn"]): Promise<void> {
  const { tenantId, checkIn, keyResult, objective } = event;
  const subscriptions = await deps.bots.subscriptions.find(tenantId, {});
  if (subscriptions.length === 0) return;
  const author = checkIn.authorId ? await deps.okr.objectives.users.findById(tenantId, checkIn.authorId) : null;
  const view = await keyResultCardData(deps.okr, tenantId, keyResult, objective);
  const heading = checkIn.source.kind === "integration" ? "Updated from its data source" : `${author?.name ?? "Someone"} checked in`;
  await Promise.all(
    subscriptions.map(async (subscription) => {
      const conversation = await deps.bots.findConversation(tenantId, subscription.conversationId);
      if (!conversation) return;
      const threaded = conversation.scope !== "personal";
      const card = progressCard({
        ...view,
        heading,
        previousValueText: valueText(keyResult.measurement, checkIn.previousValue),
        note: checkIn.note,
        late: checkIn.late,
        url: deps.tabLink(`/kr/${encodeURIComponent(keyResult._id)}`),
        repliesBecomeComments: threaded,
      });
      const outcome = await deps.queue.enqueue(conversation.reference, cardMessage(card, `${view.keyResultTitle}: ${Math.round(view.progress)}%`));
      if (outcome.ok && outcome.id && threaded) {
        await deps.bots.linkThread(tenantId, { conversationId: conversation.conversationId, rootActivityId: outcome.id, subjectType: "keyResult", subjectId: keyResult._id, objectiveId: objective._id });
      }
      if (!outcome.ok && (outcome.status === 403 || outcome.status === 404)) {
        // The bot was removed or the conversation deleted without an uninstall event reaching us.
        deps.log.warn({ tenantId, conversationId: conversation.conversationId, status: outcome.status }, "dropping a subscription Teams refuses");
        await deps.bots.removeConversation(tenantId, conversation.conversationId);
      }
    }),
  );
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
      await deps.queue.enqueue(conversation.reference, message, { replyToId: thread.rootActivityId });
    }),
  );
}
