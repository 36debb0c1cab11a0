import type { Logger } from "../../core/log/logger.js";
import { type Actor, userActor } from "../../core/okr/actor.js";
import type { KeyResult, Objective } from "../../core/okr/model.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import type { ScheduledJob } from "../../sync/scheduler.js";
import { cardMessage } from "../activity.js";
import { type ReminderItem, reminderCard } from "../cards/reminderCard.js";
import { valueText } from "../cards/template.js";
import { myObjectives } from "../handlers/okrData.js";
import type { ConversationSendQueue } from "../notifications/sendQueue.js";
import type { BotConversation, BotStore, ReminderSettings } from "../store/botStore.js";
import { latestSlot, validTimeZone } from "./schedule.js";

const DAY_MS = 86_400_000;

export interface ReminderDeps {
  okr: OkrServices;
  bots: BotStore;
  queue: ConversationSendQueue;
  log: Logger;
  tabLink: (path: string) => string | undefined;
}

export interface ReminderOptions {
  /** How often the job looks for due reminders (default 15 minutes). */
  intervalMs?: number;
  /** A slot older than this is skipped rather than sent late (after downtime); default 12 hours. */
  catchUpMs?: number;
  /** The clock (tests pass a fake one). */
  now?: () => Date;
}

/** The person's own key results: theirs by `ownerUserId`, or, without one, of objectives they own. */
const ownedBy = (userId: string, keyResult: KeyResult, objective: Objective) =>
  keyResult.ownerUserId === userId || (keyResult.ownerUserId === null && objective.ownerType === "user" && objective.ownerId === userId);

/**
 * Key results of the current period a person owns that need a check-in: not checked in within
 * `skipDays`, and not kept up to date by an integration (their latest value came from a sync).
 */
export async function keyResultsNeedingCheckIn(okr: OkrServices, actor: Actor, now: Date, skipDays: number): Promise<Array<{ keyResult: KeyResult; objective: Objective }>> {
  const { objectives } = await myObjectives(okr, actor);
  const due: Array<{ keyResult: KeyResult; objective: Objective }> = [];
  for (const objective of objectives) {
    const keyResults = await okr.objectives.listKeyResults(actor, { limit: 100, objectiveId: objective._id });
    for (const keyResult of keyResults.items.sort((a, b) => a.order - b.order)) {
      if (!ownedBy(actor.userId!, keyResult, objective)) continue;
      const last = keyResult.lastCheckIn;
      if (last?.sourceKind === "integration") continue;
      if (last && now.getTime() - last.at.getTime() < skipDays * DAY_MS) continue;
      due.push({ keyResult, objective });
    }
  }
  return due;
}

/** The rows of a reminder card for its key results now: checked in since the reminder (or by this very action) → done. */
export async function reminderItems(okr: OkrServices, actor: Actor, keyResultIds: readonly string[], since: number, justCheckedIn?: string): Promise<ReminderItem[]> {
  const items: ReminderItem[] = [];
  for (const id of keyResultIds.slice(0, 50)) {
    const found = await okr.objectives.getKeyResult(actor, id).catch(() => null);
    if (!found) continue;
    const { keyResult, objective } = found;
    const done = keyResult.lastCheckIn && (keyResult.lastCheckIn.at.getTime() >= since || keyResult._id === justCheckedIn) ? { valueText: valueText(keyResult.measurement, keyResult.current) } : undefined;
    items.push({ keyResult: { id: keyResult._id, title: keyResult.title, version: keyResult.version, measurement: keyResult.measurement, current: keyResult.current }, objectiveTitle: objective.title, done });
  }
  return items;
}

/**
 * One pass of the reminder job: for every personal chat with a Pacer user, the latest slot of
 * the organisation's rhythm in the person's time zone; when it has passed (and is not older than
 * `catchUpMs`, nor older than the chat), the person gets one card. Once per (person, slot) across
 * processes: the reminder is claimed with a unique insert (`reminder:<tenant>:<user>:<slot>`)
 * before it is sent. A send that fails releases the claim, so the next pass retries it.
 */
export async function sendDueReminders(deps: ReminderDeps, now: Date, options: Pick<ReminderOptions, "catchUpMs"> = {}): Promise<{ sent: number }> {
  const catchUpMs = options.catchUpMs ?? 12 * 3_600_000;
  // System job across organisations: the raw collection, each document's own tenantId after.
  const chats = (await deps.bots.conversations.raw.find({ scope: "personal", userId: { $ne: null } }).toArray()) as BotConversation[];
  const settingsByTenant = new Map<string, ReminderSettings>();
  let sent = 0;
  for (const chat of chats) {
    const { tenantId } = chat;
    try {
      let settings = settingsByTenant.get(tenantId);
      if (!settings) settingsByTenant.set(tenantId, (settings = await deps.bots.reminderSettings(tenantId)));
      const slot = latestSlot(settings, validTimeZone(chat.timeZone) ?? "UTC", now);
      if (!slot || now.getTime() - slot.getTime() > catchUpMs || slot.getTime() < chat.createdAt.getTime()) continue;
      const key = `reminder:${tenantId}:${chat.userId}:${slot.toISOString()}`;
      if (await deps.bots.processed.findById(tenantId, key)) continue;
      const user = await deps.okr.objectives.users.findById(tenantId, chat.userId!);
      if (!user) continue;
      const actor = userActor(tenantId, user, "teams");
      const due = await keyResultsNeedingCheckIn(deps.okr, actor, now, settings.skipCheckedInWithinDays);
      if (due.length === 0) continue;
      if ((await deps.bots.claim(tenantId, key, now)) !== "claimed") continue;
      const card = reminderCard({
        items: due.map(({ keyResult, objective }) => ({ keyResult: { id: keyResult._id, title: keyResult.title, version: keyResult.version, measurement: keyResult.measurement, current: keyResult.current }, objectiveTitle: objective.title })),
        since: now.getTime(),
        userIds: chat.recentUserIds,
        tabUrl: deps.tabLink("/my"),
      });
      const outcome = await deps.queue.enqueue(chat.reference, cardMessage(card, "Time to check in"));
      if (outcome.ok) {
        await deps.bots.finish(tenantId, key, { slot: slot.toISOString(), keyResultIds: due.map((d) => d.keyResult._id) });
        sent += 1;
      } else {
        await deps.bots.release(tenantId, key);
        if (outcome.status === 403 || outcome.status === 404) await deps.bots.removeConversation(tenantId, chat.conversationId);
      }
    } catch (error) {
      deps.log.warn({ err: error, tenantId, conversationId: chat.conversationId }, "could not send a check-in reminder");
    }
  }
  return { sent };
}

/** The scheduler job (sync/scheduler.ts): one pass every `intervalMs`. */
export function reminderJob(deps: ReminderDeps, options: ReminderOptions = {}): ScheduledJob {
  const now = options.now ?? (() => new Date());
  return {
    name: "bot.checkInReminders",
    intervalMs: options.intervalMs ?? 15 * 60_000,
    async run() {
      const { sent } = await sendDueReminders(deps, now(), options);
      if (sent > 0) deps.log.info({ sent }, "sent check-in reminders");
    },
  };
}
