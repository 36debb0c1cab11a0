import { referenceOf, splitConversationId, textMessage } from "../activity.js";
import type { BotDeps, Turn, TurnUser } from "./context.js";

/** `subscribe`: every check-in of the organisation is posted here as a progress card. */
export async function subscribe(deps: BotDeps, turn: Turn, user: TurnUser): Promise<void> {
  const { tenantId } = user.caller;
  const { conversationId } = splitConversationId(turn.activity.conversation.id);
  // The reference may be new (a message can arrive before the install event is processed).
  await deps.bots.saveConversation(tenantId, { conversationId, scope: scopeOf(turn.activity.conversation.conversationType), reference: referenceOf(turn.activity), userId: personalUserId(turn, user) });
  const created = await deps.bots.subscribe(tenantId, conversationId, user.caller.user._id);
  await turn.io.reply(
    textMessage(created ? "Subscribed: I will post a progress card here for every check-in. Send **unsubscribe** to stop." : "This conversation is already subscribed to progress cards."),
  );
}

/** `unsubscribe`: stop progress cards here. */
export async function unsubscribe(deps: BotDeps, turn: Turn, user: TurnUser): Promise<void> {
  const { conversationId } = splitConversationId(turn.activity.conversation.id);
  const removed = await deps.bots.unsubscribe(user.caller.tenantId, conversationId);
  await turn.io.reply(textMessage(removed ? "Unsubscribed: no more progress cards here." : "This conversation was not subscribed."));
}

export function scopeOf(conversationType: string | undefined): "personal" | "groupChat" | "channel" {
  return conversationType === "channel" ? "channel" : conversationType === "groupChat" ? "groupChat" : "personal";
}

export const personalUserId = (turn: Turn, user: TurnUser) => (scopeOf(turn.activity.conversation.conversationType) === "personal" ? user.caller.user._id : null);
