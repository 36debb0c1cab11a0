import { splitConversationId } from "../activity.js";
import type { BotDeps, Turn, TurnUser } from "./context.js";
import { appErrorOf } from "./context.js";
import { plainText } from "./commands.js";

/**
 * Edits, deletions and reactions of Teams messages that stand for comments (replies Pacer turned
 * into comments, and tab comments Pacer mirrored into a thread). Teams may redeliver any of them:
 * an edit that changes nothing is skipped, a deletion of a deleted comment is a no-op, and a
 * reaction activity is claimed by its id (each person's reaction is also its own unique document).
 */

/** `messageUpdate` with `channelData.eventType` `editMessage`: the comment's text follows (its author only). */
export async function threadReplyEdited(deps: BotDeps, turn: Turn, user: TurnUser): Promise<void> {
  const { conversationId } = splitConversationId(turn.activity.conversation.id);
  const messageId = turn.activity.id;
  const text = plainText(turn.activity.text).slice(0, 4000);
  if (!messageId || !text) return;
  const { tenantId } = user.caller;
  const commentId = await deps.bots.commentOfMessage(tenantId, conversationId, messageId);
  if (!commentId) return;
  const comment = await deps.okr.store.activity.findById(tenantId, commentId);
  if (!comment || comment.text === text) return;
  try {
    await deps.okr.activity.editComment(user.actor, commentId, { text });
    await recountReactions(deps, tenantId, commentId); // an edit resets the comment's data
  } catch (error) {
    if (!ignorable(error)) throw error;
    deps.log.info({ tenantId, commentId, reason: appErrorOf(error)?.id }, "did not follow a Teams edit");
  }
}

/** `messageDelete` with `channelData.eventType` `softDeleteMessage`: the comment is deleted (its author or an org admin). */
export async function threadReplyDeleted(deps: BotDeps, turn: Turn, user: TurnUser): Promise<void> {
  const { conversationId } = splitConversationId(turn.activity.conversation.id);
  const messageId = turn.activity.id;
  if (!messageId) return;
  const { tenantId } = user.caller;
  const commentId = await deps.bots.commentOfMessage(tenantId, conversationId, messageId);
  if (!commentId) return;
  try {
    await deps.okr.activity.deleteComment(user.actor, commentId);
    await deps.bots.reactions.deleteMany(tenantId, { commentId });
  } catch (error) {
    if (!ignorable(error)) throw error;
  }
}

/** `messageReaction` on a comment's message: one reaction per person and type; counts land in the comment's `data.reactions`. */
export async function threadReaction(deps: BotDeps, turn: Turn, user: TurnUser): Promise<void> {
  const { activity } = turn;
  const { conversationId, threadRootId } = splitConversationId(activity.conversation.id);
  const messageId = activity.replyToId ?? threadRootId;
  if (!messageId || !activity.id) return;
  const { tenantId } = user.caller;
  const commentId = await deps.bots.commentOfMessage(tenantId, conversationId, messageId);
  if (!commentId) return;
  const key = `reaction:${conversationId}:${activity.id}`;
  if ((await deps.bots.claim(tenantId, key)) !== "claimed") return;
  try {
    const userId = user.caller.user._id;
    for (const { type } of activity.reactionsAdded ?? []) {
      const reaction = String(type).slice(0, 40);
      await deps.bots.reactions.insert(tenantId, { _id: `rx:${commentId}:${userId}:${reaction}`, commentId, userId, reaction }).catch((error: unknown) => {
        if ((error as { code?: number }).code !== 11000) throw error;
      });
    }
    for (const { type } of activity.reactionsRemoved ?? []) await deps.bots.reactions.delete(tenantId, `rx:${commentId}:${userId}:${String(type).slice(0, 40)}`);
    await recountReactions(deps, tenantId, commentId);
    await deps.bots.finish(tenantId, key, { commentId });
  } catch (error) {
    await deps.bots.release(tenantId, key).catch(() => undefined);
    throw error;
  }
}

/** Counts are recomputed from the reaction documents (never incremented), so replays and races converge. */
export async function recountReactions(deps: BotDeps, tenantId: string, commentId: string): Promise<void> {
  const comment = await deps.okr.store.activity.findById(tenantId, commentId);
  if (!comment) return;
  const reactions: Record<string, number> = {};
  for (const r of await deps.bots.reactions.find(tenantId, { commentId })) reactions[r.reaction] = (reactions[r.reaction] ?? 0) + 1;
  const current = (comment.data.reactions ?? {}) as Record<string, number>;
  const same = Object.keys(reactions).length === Object.keys(current).length && Object.entries(reactions).every(([k, v]) => current[k] === v);
  if (same) return;
  await deps.okr.store.activity.update(tenantId, commentId, { $set: { data: { ...comment.data, reactions } } });
}

const ignorable = (error: unknown) => {
  const id = appErrorOf(error)?.id;
  return id === "not_found" || id === "forbidden";
};
