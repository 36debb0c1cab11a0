import type { Store } from "../../core/store/store.js";
import type { TenantCollection, TenantDocument } from "../../core/store/tenantCollection.js";
import type { SubjectType } from "../../core/okr/model.js";
import type { ConversationReference } from "../activity.js";

/** A conversation Pacer is installed in: where proactive messages go. */
export interface BotConversation extends TenantDocument {
  conversationId: string;
  scope: "personal" | "groupChat" | "channel";
  reference: ConversationReference;
  /** The Pacer user of a personal chat (null in chats and channels). */
  userId: string | null;
  /** IANA time zone of the personal chat's person, from the activities' `localTimezone` (reminders). */
  timeZone?: string | undefined;
  /** A channel first known through its team (see `adoptTeamChannel`): the team's conversation id. */
  teamConversationId?: string | undefined;
  /** Teams ids (MRIs) of people recently active here, newest last, at most 60: `refresh.userIds` of cards posted here. */
  recentUserIds?: string[] | undefined;
  /**
   * A team's or chat's members as last read from the Bot Connector (bot/notifications/personalChat.ts):
   * whom Pacer may start a 1:1 chat with. Everyone with an Entra id, matched to Pacer users lazily.
   */
  roster?: RosterMember[] | undefined;
  /** When `roster` was last read (it is read again after a day). */
  rosterReadAt?: Date | undefined;
}

/** A member of a team or chat: Teams id for this bot (`29:…`) and Entra object id (lowercase). */
export interface RosterMember {
  teamsId: string;
  oid: string;
}

/** What a subscription follows: every check-in of the organisation, a team's objectives, or one objective. */
export type SubscriptionTarget = { kind: "organization" } | { kind: "team"; teamId: string } | { kind: "objective"; objectiveId: string };

/** A conversation that gets progress cards for the check-ins of its target. */
export interface BotSubscription extends TenantDocument {
  conversationId: string;
  createdBy: string | null;
  /** Absent on subscriptions made before targets existed: the whole organisation. */
  target?: SubscriptionTarget | undefined;
}

/** Check-in reminder rhythm of an organisation (see reminders/schedule.ts). */
export interface ReminderSettings {
  rhythm: "weekly" | "every2weeks" | "every3weeks" | "monthly" | "off";
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Local time of day in each person's time zone, `HH:MM`. */
  time: string;
  /** Key results checked in within this many days are not listed. */
  skipCheckedInWithinDays: number;
}

export const DEFAULT_REMINDER_SETTINGS: ReminderSettings = { rhythm: "weekly", weekday: 1, time: "09:00", skipCheckedInWithinDays: 3 };

/** The bot's per-organisation settings (`_id` = `settings:<tenantId>`). */
export interface BotSettings extends TenantDocument {
  reminders: ReminderSettings;
  updatedBy: string | null;
}

/** A Teams thread (a card Pacer posted, and its replies) mirroring one OKR's feed. */
export interface BotThread extends TenantDocument {
  conversationId: string;
  rootActivityId: string;
  subjectType: SubjectType;
  subjectId: string;
  objectiveId: string;
}

/** An inbound activity handled once (unique `_id`): `claimed` while in flight, `done` after. */
export interface BotProcessedActivity extends TenantDocument {
  state: "claimed" | "done";
  at: Date;
  result: Record<string, unknown>;
}

/** A reaction on a comment mirrored from Teams (one per person, comment and reaction type). */
export interface BotReaction extends TenantDocument {
  commentId: string;
  userId: string;
  reaction: string;
}

export const MAX_REFRESH_USERS = 60;

/** A claim older than this belongs to a delivery that died mid-way: the next retry redoes it. */
const STALE_CLAIM_MS = 60_000;

export class BotStore {
  readonly conversations: TenantCollection<BotConversation>;
  readonly subscriptions: TenantCollection<BotSubscription>;
  readonly threads: TenantCollection<BotThread>;
  readonly processed: TenantCollection<BotProcessedActivity>;
  readonly reactions: TenantCollection<BotReaction>;
  readonly settings: TenantCollection<BotSettings>;

  constructor(store: Store) {
    this.conversations = store.tenantCollection<BotConversation>("botConversations");
    this.subscriptions = store.tenantCollection<BotSubscription>("botSubscriptions");
    this.threads = store.tenantCollection<BotThread>("botThreads");
    this.processed = store.tenantCollection<BotProcessedActivity>("botProcessedActivities");
    this.reactions = store.tenantCollection<BotReaction>("botReactions");
    this.settings = store.tenantCollection<BotSettings>("botSettings");
  }

  /** Saves where a conversation is; true when Pacer had not seen it (or was removed from it) before. */
  async saveConversation(tenantId: string, input: Pick<BotConversation, "conversationId" | "scope" | "reference" | "userId">): Promise<boolean> {
    const id = conversationKey(input.conversationId);
    const existing = await this.conversations.findById(tenantId, id);
    if (existing) {
      if (JSON.stringify(existing.reference) !== JSON.stringify(input.reference) || existing.userId !== input.userId) {
        await this.conversations.update(tenantId, id, { $set: { reference: input.reference, userId: input.userId, scope: input.scope } });
      }
      return false;
    }
    try {
      await this.conversations.insert(tenantId, { _id: id, ...input });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false; // a concurrent install event won
      throw error;
    }
  }

  findConversation(tenantId: string, conversationId: string): Promise<BotConversation | null> {
    return this.conversations.findById(tenantId, conversationKey(conversationId));
  }

  /**
   * A channel of a team Pacer is installed in, not seen by the bot yet: its reference is the team's
   * (same serviceUrl, tenant and bot) with the channel's id, as Teams lets a bot post to any channel
   * of its team. Never replaces a reference saved from an activity. The caller checks that `team`
   * is a channel conversation of the same tenant.
   */
  async adoptTeamChannel(tenantId: string, team: BotConversation, channelId: string): Promise<BotConversation> {
    const reference: ConversationReference = {
      serviceUrl: team.reference.serviceUrl,
      channelId: team.reference.channelId,
      conversation: { id: channelId, conversationType: "channel", tenantId: team.reference.conversation.tenantId, isGroup: true },
      bot: team.reference.bot,
      channelData: {
        ...(team.reference.conversation.tenantId ? { tenant: { id: team.reference.conversation.tenantId } } : {}),
        team: { id: team.conversationId },
        channel: { id: channelId },
      },
    };
    try {
      await this.conversations.insert(tenantId, { _id: conversationKey(channelId), conversationId: channelId, scope: "channel", reference, userId: null, teamConversationId: team.conversationId });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error; // saved meanwhile (an activity, or a concurrent request): keep that one
    }
    return (await this.findConversation(tenantId, channelId))!;
  }

  /** Forgets a conversation and its subscriptions; a team's also takes the channels adopted through it. */
  async removeConversation(tenantId: string, conversationId: string): Promise<void> {
    const adopted = await this.conversations.find(tenantId, { teamConversationId: conversationId });
    for (const id of [conversationId, ...adopted.map((c) => c.conversationId)]) {
      await this.subscriptions.deleteMany(tenantId, { conversationId: id });
      await this.conversations.delete(tenantId, conversationKey(id));
    }
  }

  /** true when newly subscribed to that target. */
  async subscribe(tenantId: string, conversationId: string, userId: string | null, target: SubscriptionTarget = { kind: "organization" }): Promise<boolean> {
    try {
      await this.subscriptions.insert(tenantId, { _id: subscriptionKey(conversationId, target), conversationId, createdBy: userId, target });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  /** Without a target: every subscription of the conversation. true when something was removed. */
  async unsubscribe(tenantId: string, conversationId: string, target?: SubscriptionTarget): Promise<boolean> {
    if (target) return this.subscriptions.delete(tenantId, subscriptionKey(conversationId, target));
    return (await this.subscriptions.deleteMany(tenantId, { conversationId })) > 0;
  }

  subscriptionsOf(tenantId: string, conversationId: string): Promise<BotSubscription[]> {
    return this.subscriptions.find(tenantId, { conversationId });
  }

  /** Remembers a person's time zone (personal chats) and Teams id (card refresh); writes only when something changed. */
  async notePerson(tenantId: string, conversationId: string, person: { teamsId: string; timeZone?: string | undefined }): Promise<void> {
    const conversation = await this.findConversation(tenantId, conversationId);
    if (!conversation) return;
    const recent = conversation.recentUserIds ?? [];
    const $set: Partial<BotConversation> = {};
    if (recent.at(-1) !== person.teamsId) $set.recentUserIds = [...recent.filter((id) => id !== person.teamsId), person.teamsId].slice(-MAX_REFRESH_USERS);
    if (conversation.scope === "personal" && person.timeZone && person.timeZone !== conversation.timeZone) $set.timeZone = person.timeZone;
    if (Object.keys($set).length > 0) await this.conversations.update(tenantId, conversationKey(conversationId), { $set });
  }

  /** The person's 1:1 chat with Pacer, when Pacer has one. */
  personalChatOf(tenantId: string, userId: string): Promise<BotConversation | null> {
    return this.conversations.findOne(tenantId, { scope: "personal", userId });
  }

  /** Saves a team's roster as read now; the member list is written only when it changed. */
  async saveRoster(tenantId: string, conversationId: string, roster: RosterMember[], now: Date): Promise<void> {
    const existing = await this.findConversation(tenantId, conversationId);
    if (!existing) return;
    const sorted = [...roster].sort((a, b) => a.oid.localeCompare(b.oid));
    const changed = JSON.stringify(existing.roster ?? null) !== JSON.stringify(sorted);
    await this.conversations.update(tenantId, conversationKey(conversationId), { $set: { rosterReadAt: now, ...(changed ? { roster: sorted } : {}) } });
  }

  /**
   * Records that Teams refused a 1:1 chat with a person (403/404: they blocked Pacer, or the app is
   * not allowed for them), so reminder passes do not ask again until `unreachableSince` is old.
   */
  async markUnreachable(tenantId: string, oid: string, status: number, now: Date): Promise<void> {
    const key = unreachableKey(tenantId, oid);
    if (await this.processed.findById(tenantId, key)) {
      await this.processed.update(tenantId, key, { $set: { at: now, result: { status } } });
      return;
    }
    try {
      await this.processed.insert(tenantId, { _id: key, state: "done", at: now, result: { status } }, now);
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  async unreachableSince(tenantId: string, oid: string): Promise<{ at: Date; status: number } | null> {
    const found = await this.processed.findById(tenantId, unreachableKey(tenantId, oid));
    return found ? { at: found.at, status: Number(found.result.status) } : null;
  }

  async reminderSettings(tenantId: string): Promise<ReminderSettings> {
    const saved = await this.settings.findById(tenantId, settingsKey(tenantId));
    return { ...DEFAULT_REMINDER_SETTINGS, ...(saved?.reminders ?? {}) };
  }

  async saveReminderSettings(tenantId: string, reminders: ReminderSettings, userId: string | null): Promise<ReminderSettings> {
    const id = settingsKey(tenantId);
    if (await this.settings.findById(tenantId, id)) {
      await this.settings.update(tenantId, id, { $set: { reminders, updatedBy: userId } });
      return reminders;
    }
    try {
      await this.settings.insert(tenantId, { _id: id, reminders, updatedBy: userId });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      await this.settings.update(tenantId, id, { $set: { reminders, updatedBy: userId } });
    }
    return reminders;
  }

  /** The comment a Teams message stands for: a reply that became a comment, or a tab comment mirrored into a thread. */
  async commentOfMessage(tenantId: string, conversationId: string, messageId: string): Promise<string | undefined> {
    for (const key of [`reply:${conversationId}:${messageId}`, `mirror:${conversationId}:${messageId}`]) {
      const done = await this.processed.findById(tenantId, key);
      const commentId = done?.state === "done" ? done.result.commentId : undefined;
      if (typeof commentId === "string") return commentId;
    }
    return undefined;
  }

  /** Records that a Teams message shows a comment (mirrored from the tab), so reactions on it count. */
  async linkMessageToComment(tenantId: string, conversationId: string, messageId: string, commentId: string): Promise<void> {
    try {
      await this.processed.insert(tenantId, { _id: `mirror:${conversationId}:${messageId}`, state: "done", at: new Date(), result: { commentId } });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  async linkThread(tenantId: string, link: Pick<BotThread, "conversationId" | "rootActivityId" | "subjectType" | "subjectId" | "objectiveId">): Promise<void> {
    try {
      await this.threads.insert(tenantId, { _id: `thread:${link.conversationId}:${link.rootActivityId}`, ...link });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  findThread(tenantId: string, conversationId: string, rootActivityId: string): Promise<BotThread | null> {
    return this.threads.findById(tenantId, `thread:${conversationId}:${rootActivityId}`);
  }

  /**
   * Claims an inbound activity by inserting its unique id (atomic on every MongoDB-compatible
   * store, unlike a conditional update on FerretDB v1). `done`: already handled, skip it;
   * `busy`: another delivery of it is in flight; `claimed`: handle it, then call `finish`.
   */
  async claim(tenantId: string, key: string, now = new Date()): Promise<"claimed" | "done" | "busy"> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await this.processed.insert(tenantId, { _id: key, state: "claimed", at: now, result: {} }, now);
        return "claimed";
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      const existing = await this.processed.findById(tenantId, key);
      if (!existing) continue;
      if (existing.state === "done") return "done";
      if (now.getTime() - existing.at.getTime() < STALE_CLAIM_MS) return "busy";
      await this.processed.delete(tenantId, key);
    }
    return "busy";
  }

  async finish(tenantId: string, key: string, result: Record<string, unknown>): Promise<void> {
    await this.processed.update(tenantId, key, { $set: { state: "done", result } });
  }

  async release(tenantId: string, key: string): Promise<void> {
    await this.processed.delete(tenantId, key);
  }
}

const conversationKey = (conversationId: string) => `conv:${conversationId}`;
const settingsKey = (tenantId: string) => `settings:${tenantId}`;
const unreachableKey = (tenantId: string, oid: string) => `unreachable:${tenantId}:${oid}`;

/** Whole-organisation subscriptions keep the key they had before targets existed. */
const subscriptionKey = (conversationId: string, target: SubscriptionTarget) =>
  target.kind === "organization" ? conversationKey(conversationId) : `sub:${conversationId}:${target.kind}:${target.kind === "team" ? target.teamId : target.objectiveId}`;

export const targetOf = (subscription: BotSubscription): SubscriptionTarget => subscription.target ?? { kind: "organization" };
