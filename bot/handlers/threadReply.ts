import { splitConversationId } from "../activity.js";
import type { BotThread } from "../store/botStore.js";
import type { BotDeps, Turn, TurnUser } from "./context.js";
import { plainText } from "./commands.js";

/** The linked thread a message replies in: channel replies carry the root in the conversation id, chat replies in `replyToId`. */
export async function linkedThread(deps: BotDeps, turn: Turn, tenantId: string): Promise<BotThread | null> {
  const { conversationId, threadRootId } = splitConversationId(turn.activity.conversation.id);
  const root = threadRootId ?? turn.activity.replyToId;
  return root ? deps.bots.findThread(tenantId, conversationId, root) : null;
}

/**
 * A reply in a thread Pacer started becomes a comment on that OKR. Teams may deliver an activity
 * more than once: the activity id is claimed with a unique insert first, so it is recorded once.
 */
export async function threadReplyToComment(deps: BotDeps, turn: Turn, user: TurnUser, thread: BotThread): Promise<void> {
  const text = plainText(turn.activity.text);
  const activityId = turn.activity.id;
  if (!text || !activityId) return;
  const { tenantId } = user.caller;
  const key = `reply:${thread.conversationId}:${activityId}`;
  const claim = await deps.bots.claim(tenantId, key);
  if (claim !== "claimed") return;
  try {
    const comment = await deps.okr.activity.comment(user.actor, thread.subjectType, thread.subjectId, { text: text.slice(0, 4000) });
    await deps.bots.finish(tenantId, key, { commentId: comment._id });
  } catch (error) {
    await deps.bots.release(tenantId, key).catch(() => undefined);
    const e = error as { id?: string };
    if (e.id === "not_found") return; // the OKR is gone; nothing to attach the reply to
    throw error;
  }
}
