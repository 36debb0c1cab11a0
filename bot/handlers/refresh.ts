import type { InvokeResponse } from "../activity.js";
import { splitConversationId } from "../activity.js";
import { progressCard, progressDigestCard } from "../cards/progressCard.js";
import { valueText } from "../cards/template.js";
import { reminderOf, reminderResponse } from "./checkInAction.js";
import { type BotDeps, cardActionError, cardResponse, type Turn, type TurnUser, tabLink } from "./context.js";
import { keyResultCardData } from "./okrData.js";

/**
 * Verb `refresh` (a card's `refresh` and its Refresh button): the same card with current values.
 * Reminder cards carry `reminder`/`since`; progress cards `keyResultIds` (or `keyResultId`). The
 * answer keeps `refresh.userIds` from the people recently active in the conversation.
 */
export async function refreshAction(deps: BotDeps, turn: Turn, user: TurnUser, data: Record<string, unknown>): Promise<InvokeResponse> {
  const reminder = reminderOf(data);
  if (reminder) return reminderResponse(deps, turn, user, reminder);
  const ids = (Array.isArray(data.keyResultIds) ? data.keyResultIds : [data.keyResultId]).filter((id): id is string => typeof id === "string" && id !== "" && id.length <= 100).slice(0, 20);
  if (ids.length === 0) return cardActionError(400, "BadRequest", "The card did not say what to refresh.");
  const { tenantId } = user.caller;
  const conversation = await deps.bots.findConversation(tenantId, splitConversationId(turn.activity.conversation.id).conversationId);
  const userIds = conversation?.recentUserIds?.length ? conversation.recentUserIds : [turn.activity.from.id];
  const threaded = conversation ? conversation.scope !== "personal" : false;

  const items = [];
  for (const id of ids) {
    const found = await deps.okr.objectives.getKeyResult(user.actor, id).catch(() => null);
    if (!found) continue;
    const { keyResult, objective } = found;
    const latest = keyResult.lastCheckIn ? await deps.okr.store.checkIns.findById(tenantId, keyResult.lastCheckIn.id) : null;
    const author = latest?.authorId ? await deps.okr.objectives.users.findById(tenantId, latest.authorId) : null;
    items.push({
      ...(await keyResultCardData(deps.okr, tenantId, keyResult, objective)),
      keyResultId: keyResult._id,
      previousValueText: latest ? valueText(keyResult.measurement, latest.previousValue) : undefined,
      note: latest?.note,
      late: latest?.late,
      heading: !latest ? "Key result" : latest.source.kind === "integration" ? "Updated from its data source" : `${author?.name ?? "Someone"} checked in`,
      sourceText: !latest ? "not checked in yet" : latest.source.kind === "integration" ? `from ${latest.source.integrationId}` : `by ${author?.name ?? "someone"}`,
      url: tabLink(deps, `/kr/${encodeURIComponent(keyResult._id)}`),
    });
  }
  if (items.length === 0) return cardActionError(404, "NotFound", "These key results no longer exist.");
  if (ids.length === 1) return cardResponse(progressCard({ ...items[0]!, repliesBecomeComments: threaded, refreshUserIds: userIds }));
  return cardResponse(progressDigestCard({ heading: `${items.length} key results, now`, items, refreshUserIds: userIds, repliesBecomeComments: threaded && new Set(items.map((i) => i.objectiveTitle)).size === 1 }));
}
