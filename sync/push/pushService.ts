import { createHash, randomUUID } from "node:crypto";
import type { Collection } from "mongodb";
import { AppError, notFound } from "../../core/errors/appError.js";
import { connectionRemoved, linkPaused, rateLimitExceeded } from "../../core/integrations/errors.js";
import { hashPushToken, type IntegrationService } from "../../core/integrations/integrationService.js";
import { stateOf, withState } from "../../core/integrations/linkStates.js";
import type { KrLink } from "../../core/integrations/model.js";
import { systemActor } from "../../core/okr/actor.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import type { Store } from "../../core/store/store.js";
import type { TenantCollection, TenantDocument } from "../../core/store/tenantCollection.js";

/** The first answer to a push with an Idempotency-Key; a replay gets it again. */
export interface PushReceipt extends TenantDocument {
  linkId: string;
  answer: PushAnswer;
}

interface RateSlot {
  _id: string;
  linkId: string;
  window: number;
}

export interface PushAnswer {
  keyResultId: string;
  value: number;
  changed: boolean;
  checkInId: string | null;
  receivedAt: string;
}

/**
 * Inbound pushes (`POST /api/v1/push/<token>`, the Zapier/webhook connector).
 *
 * - The token is the secret: only its SHA-256 is stored, and looked up by equality.
 * - Rate limit: a fixed one-minute window per link, counted in the store so every web process
 *   shares it: each accepted push inserts slot `<link>:<window>:<n>` (unique `_id`), n < limit.
 * - Idempotency: with an `Idempotency-Key`, the check-in id is derived from (link, key), so
 *   concurrent duplicates converge on one check-in, and the first answer is kept in
 *   `pushReceipts` (`_id` = hash of link and key) and replayed.
 */
export class PushService {
  private readonly receipts: TenantCollection<PushReceipt>;
  private readonly slots: Collection<RateSlot>;

  constructor(
    store: Store,
    private readonly integrations: IntegrationService,
    private readonly okr: OkrServices,
    private readonly options: { perMinute?: number; now?: () => Date } = {},
  ) {
    this.receipts = store.tenantCollection<PushReceipt>("pushReceipts");
    this.slots = store.collection<RateSlot>("pushRateSlots");
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  async receive(token: string, input: { value: number; note?: string | undefined }, idempotencyKey?: string): Promise<{ answer: PushAnswer; replayed: boolean }> {
    const found = await this.integrations.store.links.raw.findOne({ pushTokenHash: hashPushToken(token) });
    if (!found || found.mode !== "push") throw notFound("This push URL");
    const states = this.integrations.store.states;
    const link = withState(found, await states.get(found.tenantId, found._id));
    if (link.pausedReason === "connection_removed") throw connectionRemoved();
    if (link.pausedReason) throw linkPaused(link.pausedReason);

    const receiptId = idempotencyKey ? createHash("sha256").update(`${link._id}\n${idempotencyKey}`).digest("hex").slice(0, 40) : null;
    if (receiptId) {
      const receipt = await this.receipts.findById(link.tenantId, receiptId);
      if (receipt) return { answer: receipt.answer, replayed: true };
    }
    await this.takeRateSlot(link);

    const now = this.now();
    const changed = link.lastValue !== input.value || Boolean(input.note);
    let checkInId: string | null = null;
    if (changed) {
      checkInId = receiptId ?? randomUUID();
      try {
        await this.okr.checkIns.checkIn(systemActor(link.tenantId), link.keyResultId, {
          id: checkInId,
          value: input.value,
          note: input.note ?? "",
          source: {
            kind: "integration",
            integrationId: link.integrationId,
            connectionId: link.connectionId,
            sourceFingerprint: createHash("sha256").update(`${link.sourceKey}\n${checkInId}`).digest("hex").slice(0, 32),
            fetchedAt: now,
            durationMs: 0,
          },
        });
      } catch (error) {
        if (error instanceof AppError && error.status < 500) {
          await states.write(link.tenantId, [[link._id, stateOf(link, { status: "failed", lastError: { type: "config", message: error.message, at: now }, failures: link.failures + 1 })]]);
        }
        throw error;
      }
    }
    const pushed = stateOf(link, { status: "ok", lastSyncedAt: now, lastSuccessAt: now, lastValue: input.value, lastDetails: input.note ?? null, lastError: null, failures: 0 });
    await states.write(link.tenantId, [[link._id, pushed]]);
    const answer: PushAnswer = { keyResultId: link.keyResultId, value: input.value, changed, checkInId, receivedAt: now.toISOString() };
    if (receiptId) {
      try {
        await this.receipts.insert(link.tenantId, { _id: receiptId, linkId: link._id, answer }, now);
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        const first = await this.receipts.findById(link.tenantId, receiptId);
        if (first) return { answer: first.answer, replayed: true };
      }
    }
    return { answer, replayed: false };
  }

  private async takeRateSlot(link: KrLink): Promise<void> {
    const limit = this.options.perMinute ?? 60;
    const nowMs = this.now().getTime();
    const window = Math.floor(nowMs / 60_000);
    let n = await this.slots.countDocuments({ linkId: link._id, window });
    if (n === 0) void this.slots.deleteMany({ linkId: link._id, window: { $lt: window } }).catch(() => undefined);
    for (; n < limit; n += 1) {
      try {
        await this.slots.insertOne({ _id: `${link._id}:${window}:${n}`, linkId: link._id, window });
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
    }
    const retryAfterMs = (window + 1) * 60_000 - nowMs;
    throw rateLimitExceeded(`This push URL accepts ${limit} values a minute; try again in ${Math.ceil(retryAfterMs / 1000)} s.`, retryAfterMs);
  }
}
