import { referenceOf, splitConversationId, tenantOf } from "../activity.js";
import { type BotDeps, identify, type Turn } from "./context.js";
import { sendHelp } from "./help.js";
import { scopeOf } from "./subscription.js";

/**
 * Install and uninstall (`installationUpdate`, and `conversationUpdate` adding the bot): remember
 * where Pacer may post, welcome once per installation, forget the conversation (and its
 * subscription) on removal.
 */
export async function onInstallEvent(deps: BotDeps, turn: Turn): Promise<void> {
  const { activity } = turn;
  const tenantId = tenantOf(activity)?.toLowerCase();
  if (!tenantId) return;
  if (deps.allowedTenants.length > 0 && !deps.allowedTenants.includes(tenantId)) return;
  const { conversationId } = splitConversationId(activity.conversation.id);
  const botAdded = activity.type === "conversationUpdate" && (activity.membersAdded ?? []).some((m) => m.id === activity.recipient.id);
  const botRemoved = activity.type === "conversationUpdate" && (activity.membersRemoved ?? []).some((m) => m.id === activity.recipient.id);
  const action = activity.type === "installationUpdate" ? (activity.action ?? "") : botAdded ? "add" : botRemoved ? "remove" : "";

  if (action.startsWith("remove")) {
    await deps.bots.removeConversation(tenantId, conversationId);
    return;
  }
  if (!action.startsWith("add")) return;
  const scope = scopeOf(activity.conversation.conversationType);
  const identity = scope === "personal" ? await identify(deps, activity) : undefined;
  const created = await deps.bots.saveConversation(tenantId, {
    conversationId,
    scope,
    reference: referenceOf(activity),
    userId: identity?.ok ? identity.user.caller.user._id : null,
  });
  if (activity.from.aadObjectId) await deps.bots.notePerson(tenantId, conversationId, { teamsId: activity.from.id });
  if (created) await sendHelp(deps, turn, { welcome: true });
}
