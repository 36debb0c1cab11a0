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
}

/** A conversation that gets a progress card for every check-in of the organisation. */
export interface BotSubscription extends TenantDocument {
  conversationId: string;
  createdBy: string | null;
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

/** A claim older than this belongs to a delivery that died mid-way: the next retry redoes it. */
const STALE_CLAIM_MS = 60_000;

export class BotStore {
  readonly conversations: TenantCollection<BotConversation>;
  readonly subscriptions: TenantCollection<BotSubscription>;
  readonly threads: TenantCollection<BotThread>;
  readonly processed: TenantCollection<BotProcessedActivity>;
  readonly reactions: TenantCollection<BotReaction>;

  constructor(store: Store) {
    this.conversations = store.tenantCollection<BotConversation>("botConversations");
    this.subscriptions = store.tenantCollection<BotSubscription>("botSubscriptions");
    this.threads = store.tenantCollection<BotThread>("botThreads");
    this.processed = store.tenantCollection<BotProcessedActivity>("botProcessedActivities");
    this.reactions = store.tenantCollection<BotReaction>("botReactions");
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

  async removeConversation(tenantId: string, conversationId: string): Promise<void> {
    await this.subscriptions.delete(tenantId, conversationKey(conversationId));
    await this.conversations.delete(tenantId, conversationKey(conversationId));
  }

  /** true when newly subscribed. */
  async subscribe(tenantId: string, conversationId: string, userId: string | null): Promise<boolean> {
    try {
      await this.subscriptions.insert(tenantId, { _id: conversationKey(conversationId), conversationId, createdBy: userId });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  unsubscribe(tenantId: string, conversationId: string): Promise<boolean> {
    return this.subscriptions.delete(tenantId, conversationKey(conversationId));
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
