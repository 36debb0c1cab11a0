import type { Logger } from "../../core/log/logger.js";
import { type Actor, userActor } from "../../core/okr/actor.js";
import type { KeyResult, Objective } from "../../core/okr/model.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import type { ScheduledJob } from "../../sync/scheduler.js";
import { cardMessage } from "../activity.js";
import { type ReminderItem, reminderCard } from "../cards/reminderCard.js";
import { valueText } from "../cards/template.js";
import { myObjectives } from "../handlers/okrData.js";
import { type BotConnector, hasRoster, personalChatFor, refreshRosters } from "../notifications/personalChat.js";
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
  /** Team rosters and new 1:1 chats, for people who never opened a personal chat with Pacer. */
  connector: BotConnector;
}

/** Someone a reminder may go to: a person with a personal chat, or a Pacer user listed in a team's roster. */
interface Recipient {
  tenantId: string;
  userId: string;
  timeZone: string | undefined;
  /** Slots before this are not sent (the chat, or the team that lists the person, did not exist yet). */
  since: Date;
  chat: BotConversation | undefined;
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
 * One pass of the reminder job: rosters of teams Pacer is installed in are read when a day old
 * (see notifications/personalChat.ts); then, for every Pacer user with a personal chat or listed in
 * such a roster, the latest slot of the organisation's rhythm in the person's time zone (UTC until
 * the person's client has told Pacer theirs); when it has passed (and is not older than
 * `catchUpMs`, nor older than the chat or team), the person gets one card, in a personal chat
 * created for it when there is none yet. Once per (person, slot) across processes: the reminder is
 * claimed with a unique insert (`reminder:<tenant>:<user>:<slot>`) before it is sent. A send that
 * fails releases the claim, so the next pass retries it; Teams refusing the person (403/404) does
 * not (recorded, see `markUnreachable`).
 */
export async function sendDueReminders(deps: ReminderDeps, now: Date, options: Pick<ReminderOptions, "catchUpMs"> = {}): Promise<{ sent: number }> {
  const catchUpMs = options.catchUpMs ?? 12 * 3_600_000;
  await refreshRosters(deps, now);
  // System job across organisations: the raw collection, each document's own tenantId after.
  const chats = (await deps.bots.conversations.raw.find({ scope: "personal", userId: { $ne: null } }).toArray()) as BotConversation[];
  const teams = ((await deps.bots.conversations.raw.find({ scope: { $in: ["channel", "groupChat"] } }).toArray()) as BotConversation[]).filter(hasRoster);
  const recipients: Recipient[] = [
    ...chats.map((chat) => ({ tenantId: chat.tenantId, userId: chat.userId!, timeZone: chat.timeZone, since: chat.createdAt, chat })),
    ...(await rosterRecipients(deps, chats, teams)),
  ];
  const settingsByTenant = new Map<string, ReminderSettings>();
  let sent = 0;
  for (const recipient of recipients) {
    const { tenantId, userId } = recipient;
    let chat = recipient.chat;
    try {
      let settings = settingsByTenant.get(tenantId);
      if (!settings) settingsByTenant.set(tenantId, (settings = await deps.bots.reminderSettings(tenantId)));
      const slot = latestSlot(settings, validTimeZone(recipient.timeZone) ?? "UTC", now);
      if (!slot || now.getTime() - slot.getTime() > catchUpMs || slot.getTime() < recipient.since.getTime()) continue;
      const key = `reminder:${tenantId}:${userId}:${slot.toISOString()}`;
      if (await deps.bots.processed.findById(tenantId, key)) continue;
      const user = await deps.okr.objectives.users.findById(tenantId, userId);
      if (!user) continue;
      const actor = userActor(tenantId, user, "teams");
      const due = await keyResultsNeedingCheckIn(deps.okr, actor, now, settings.skipCheckedInWithinDays);
      if (due.length === 0) continue;
      if ((await deps.bots.claim(tenantId, key, now)) !== "claimed") continue;
      if (!chat) {
        const found = await personalChatFor(deps, tenantId, user, now, teams);
        if (!found.ok) {
          if (found.reason === "failed") {
            await deps.bots.release(tenantId, key);
            deps.log.warn({ tenantId, userId, status: found.status, error: found.error }, "could not start a personal chat for a check-in reminder");
          } else {
            await deps.bots.finish(tenantId, key, { slot: slot.toISOString(), undeliverable: found.reason, status: found.status ?? null });
          }
          continue;
        }
        chat = found.chat;
      }
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
        if (outcome.status === 403 || outcome.status === 404) {
          // The person blocked Pacer (or left): forget the chat, and do not start a new one through a team every pass.
          await deps.bots.removeConversation(tenantId, chat.conversationId);
          await deps.bots.markUnreachable(tenantId, user.oid.toLowerCase(), outcome.status, now);
        }
      }
    } catch (error) {
      deps.log.warn({ err: error, tenantId, conversationId: chat?.conversationId, userId }, "could not send a check-in reminder");
    }
  }
  return { sent };
}

/** Pacer users listed in a roster of a team of their own tenant who have no personal chat yet. */
async function rosterRecipients(deps: ReminderDeps, chats: readonly BotConversation[], teams: readonly BotConversation[]): Promise<Recipient[]> {
  const withChat = new Set(chats.map((chat) => `${chat.tenantId}:${chat.userId}`));
  // Per tenant: each listed Entra id, with the earliest install of a team that lists it.
  const listed = new Map<string, Map<string, Date>>();
  for (const team of teams) {
    let oids = listed.get(team.tenantId);
    if (!oids) listed.set(team.tenantId, (oids = new Map()));
    for (const member of team.roster ?? []) {
      const since = oids.get(member.oid);
      if (!since || team.createdAt < since) oids.set(member.oid, team.createdAt);
    }
  }
  const recipients: Recipient[] = [];
  for (const [tenantId, oids] of listed) {
    const all = [...oids.keys()];
    for (let i = 0; i < all.length; i += 500) {
      const users = await deps.okr.objectives.users.users.find(tenantId, { oid: { $in: all.slice(i, i + 500) } });
      for (const user of users) {
        if (withChat.has(`${tenantId}:${user._id}`)) continue;
        recipients.push({ tenantId, userId: user._id, timeZone: undefined, since: oids.get(user.oid)!, chat: undefined });
      }
    }
  }
  return recipients;
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
