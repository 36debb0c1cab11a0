import { createHash } from "node:crypto";
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document, type Filter } from "mongodb";
import type { ConnectorDefinition, FetchedValue } from "../../core/integrations/contract.js";
import { IntegrationService } from "../../core/integrations/integrationService.js";
import { type Connection, type KrLink, type LinkError, linkTarget, type OrgIntegrations } from "../../core/integrations/model.js";
import { nextSlot } from "../../core/integrations/schedule.js";
import type { Logger } from "../../core/log/logger.js";
import { systemActor } from "../../core/okr/actor.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import type { Store } from "../../core/store/store.js";
import { asConnectorError, ConnectorError } from "../connectors/errors.js";
import { decideRetry } from "../retryPolicy.js";
import { RunClaims, type RunClaim } from "../runClaims.js";
import type { ScheduledJob } from "../scheduler.js";
import { ConnectorRunner } from "./connectorRunner.js";
import { applyProjectItems, fetchProjectItems, summarize } from "./projectLinks.js";
import { KeyedSemaphores } from "./semaphore.js";

/**
 * The sync engine. Every minute (a scheduler job per process) it:
 *   1. reads the due links (`active: true, nextSyncAt <= now`);
 *   2. claims each link's due slot in `linkClaims` (RunClaims, task = link id, run = slot time) with
 *      one unordered insertMany per chunk: the unique `_id` lets exactly one process win a link;
 *      a duplicate falls back to `tryClaim`, which takes over a dead process's expired lease;
 *   3. groups the claimed links by `sourceKey` (connection + canonical source) and fetches each
 *      group once, under a per-connection and a per-org concurrency limit, honouring the
 *      connection's shared "blocked until" (`syncBlocks`, written on 429 by any process);
 *   4. retries transient errors with jittered backoff (sync/retryPolicy.ts); auth/config/shape
 *      errors stop the link until it or its connection is edited; a failure never touches the KR;
 *   5. records a check-in (CheckInService, source = integration, deterministic id so a retry is
 *      harmless) only when the value changed; otherwise only `lastSyncedAt` moves;
 *   6. streams every link's outcome to bulkWrites of UPDATE_BATCH while fetching goes on, each
 *      update guarded by the version read (an edit made meanwhile wins). The new `nextSyncAt` is
 *      what marks the slot done; claims are not updated again (a late process that finds a claim
 *      re-reads the link first), so a link costs one insert share and one update.
 */
export interface SyncEngineOptions {
  store: Store;
  integrations: IntegrationService;
  okr: OkrServices;
  log: Logger;
  /** Identifies this process in claims. */
  owner: string;
  /** Fetches in flight per organisation (default 16). */
  orgConcurrency?: number;
  /** Overrides every connector's per-connection limit (benchmarks). */
  connectionConcurrency?: number;
  /** Check-ins written at once (default 8). */
  checkInConcurrency?: number;
  leaseMs?: number;
  /** Links claimed and synced per chunk (default 1000). */
  chunkSize?: number;
  /** Due links looked at per run (default 50 000). */
  maxPerRun?: number;
  deadlineMs?: number;
  now?: () => Date;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Runs before each fetch with the opened secrets; returns the secrets to use (e.g. Entra tokens
   * renewed under a store-level lock, sync/oauth/). Its typed errors fail the link like a fetch's.
   */
  prepareSecrets?: (connection: Connection, secrets: unknown, signal?: AbortSignal) => Promise<unknown>;
}

export interface LinkOutcome {
  linkId: string;
  keyResultId: string;
  ok: boolean;
  value: number | null;
  details: string | null;
  asOf: Date | null;
  changed: boolean;
  error: LinkError | null;
  retryAfterMs?: number;
}

export interface RunReport {
  due: number;
  claimed: number;
  fetches: number;
  startedAt: number;
  /** From the start of the run to the end of its last fetch (the rest is writing outcomes). */
  fetchingMs: number;
  ok: number;
  failed: number;
  changed: number;
}

const BLOCK_RECHECK_MS = 2_000;
/**
 * Updates per bulkWrite. FerretDB v1.24.2 never answers an `update` command carrying 100 or more
 * statements (measured: 99 take ~0.5 s, 100 hang), so batches stay well below that.
 */
export const UPDATE_BATCH = 50;
const CLAIM_CLEANUP_EVERY_MS = 10 * 60_000;

export class SyncEngine {
  readonly claims: RunClaims;
  private readonly runner: ConnectorRunner;
  private readonly links: Collection<KrLink>;
  private readonly claimsRaw: Collection<RunClaim>;
  private readonly connectionSlots = new KeyedSemaphores();
  private readonly orgSlots = new KeyedSemaphores();
  private readonly checkInSlots = new KeyedSemaphores();
  private readonly blockCache = new Map<string, { until: number; checkedAt: number }>();
  private lastCleanup = 0;

  constructor(private readonly o: SyncEngineOptions) {
    this.claims = new RunClaims(o.store, o.owner, "linkClaims");
    this.claimsRaw = o.store.collection<RunClaim>("linkClaims");
    this.links = o.integrations.store.links.raw;
    this.runner = new ConnectorRunner(o.log, o.deadlineMs);
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.o.sleep) return this.o.sleep(ms, signal);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }

  /** The scheduler job: one per process (links are split between processes by their claims). */
  job(): ScheduledJob {
    return { name: `sync.links@${this.o.owner}`, intervalMs: 60_000, run: async (signal) => void (await this.runDue(signal)) };
  }

  async runDue(signal?: AbortSignal, now = this.now()): Promise<RunReport> {
    const report: RunReport = { due: 0, claimed: 0, fetches: 0, startedAt: Date.now(), fetchingMs: 0, ok: 0, failed: 0, changed: 0 };
    const due = await this.links.find({ active: true, nextSyncAt: { $lte: now } }).limit(this.o.maxPerRun ?? 50_000).toArray();
    report.due = due.length;
    const chunk = this.o.chunkSize ?? 1000;
    for (let i = 0; i < due.length && !signal?.aborted; i += chunk) {
      const claimed = await this.claimAll(due.slice(i, i + chunk), now);
      report.claimed += claimed.length;
      if (claimed.length === 0) continue;
      const outcomes = await this.sync(claimed.map((c) => c.link), { signal, manual: false, report });
      for (const outcome of outcomes) {
        if (outcome.ok) report.ok += 1;
        else report.failed += 1;
        if (outcome.changed) report.changed += 1;
      }
    }
    await this.cleanupClaims(now);
    return report;
  }

  /** Claims each link's due slot; returns those this process won. */
  async claimAll(links: KrLink[], now: Date): Promise<Array<{ link: KrLink; claim: RunClaim }>> {
    const leaseMs = this.o.leaseMs ?? 5 * 60_000;
    const docs: RunClaim[] = links.map((link) => {
      const run = String(link.nextSyncAt!.getTime());
      return { _id: `${link._id}@${run}#0`, task: link._id, run, attempt: 0, owner: this.claims.owner, leaseUntil: new Date(now.getTime() + leaseMs), finishedAt: null };
    });
    const lost = new Set<number>();
    try {
      if (docs.length) await this.claimsRaw.insertMany(docs, { ordered: false });
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      for (const e of writeErrors) {
        if (e.code !== 11000) throw error;
        lost.add(e.index);
      }
    }
    const won: Array<{ link: KrLink; claim: RunClaim }> = [];
    for (const [index, link] of links.entries()) {
      if (!lost.has(index)) {
        won.push({ link, claim: docs[index]! });
        continue;
      }
      // Someone holds attempt 0: either it synced the slot already (the link moved on), or it is
      // still running, or it died and its lease ran out (then the next attempt is ours to claim).
      const fresh = await this.links.findOne({ _id: link._id });
      if (!fresh?.active || fresh.nextSyncAt?.getTime() !== link.nextSyncAt!.getTime()) continue;
      const result = await this.claims.tryClaim(link._id, docs[index]!.run, leaseMs, now);
      if (result.claimed) won.push({ link, claim: result.claim });
    }
    return won;
  }

  /**
   * Claims are not marked finished (one write per link saved): the link's new `nextSyncAt` is what
   * says its slot is done. Claims whose lease ended an hour ago are removed.
   */
  private async cleanupClaims(now: Date): Promise<void> {
    if (now.getTime() - this.lastCleanup < CLAIM_CLEANUP_EVERY_MS) return;
    this.lastCleanup = now.getTime();
    await this.claimsRaw.deleteMany({ leaseUntil: { $lt: new Date(now.getTime() - 60 * 60_000) } }).catch((error: unknown) => {
      this.o.log.warn({ err: error }, "could not remove old link claims");
    });
  }

  /** Manual refresh: sync this link now (no claim) and answer with its outcome. */
  async refresh(link: KrLink, signal?: AbortSignal): Promise<LinkOutcome> {
    const [outcome] = await this.sync([link], { signal, manual: true });
    return outcome!;
  }

  /**
   * Syncs links (already claimed, or a manual refresh) and records their outcomes. Never throws
   * for a link's failure: each gets its own outcome.
   */
  async sync(links: KrLink[], options: { signal?: AbortSignal | undefined; manual: boolean; report?: RunReport }): Promise<LinkOutcome[]> {
    const now = this.now();
    const settings = new Map<string, Promise<OrgIntegrations>>();
    const settingsOf = (tenantId: string) => {
      let found = settings.get(tenantId);
      if (!found) settings.set(tenantId, (found = this.o.integrations.settings(tenantId)));
      return found;
    };
    const connections = new Map<string, Promise<Connection | null>>();
    const connectionOf = (link: KrLink) => {
      let found = connections.get(link.connectionId);
      if (!found) connections.set(link.connectionId, (found = this.o.integrations.store.connections.findById(link.tenantId, link.connectionId)));
      return found;
    };
    await this.loadBlocks([...new Set(links.map((l) => l.connectionId))], now);

    const groups = new Map<string, KrLink[]>();
    for (const link of links) {
      const group = groups.get(link.sourceKey);
      if (group) group.push(link);
      else groups.set(link.sourceKey, [link]);
    }

    const outcomes: Array<{ link: KrLink; outcome: LinkOutcome; set: Record<string, unknown> }> = [];
    const writer = new BatchWriter<KrLink>(this.links, UPDATE_BATCH);
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const first = group[0]!;
        const org = await settingsOf(first.tenantId);
        const intervalMs = org.syncIntervalMinutes * 60_000;
        const result = await this.fetchGroup(first, org, await connectionOf(first), options.signal, options.report);
        await Promise.all(
          group.map(async (link) => {
            const recorded = await this.record(link, result, intervalMs, options.manual);
            outcomes.push(recorded);
            writer.add({ updateOne: { filter: this.outcomeFilter(link), update: { $set: recorded.set } } });
          }),
        );
      }),
    );
    await writer.flush();
    const byId = new Map(outcomes.map((o) => [o.link._id, o.outcome]));
    return links.map((l) => byId.get(l._id)!);
  }

  /**
   * Where a link's outcome is written. On MongoDB the update is guarded by the version read, so an
   * edit made meanwhile (new source, disable, unlink) wins. FerretDB v1 answers an `_id`-only
   * filter from its primary key but is 2-3× slower per document with extra equality fields
   * (measured), so there the filter is `_id` alone: an edit racing a fetch may be overwritten by
   * that fetch's outcome, and the link syncs again at its next slot.
   */
  private outcomeFilter(link: KrLink): Filter<KrLink> {
    return this.o.store.writesSerialized ? { _id: link._id } : { _id: link._id, tenantId: link.tenantId, version: link.version };
  }

  private async loadBlocks(connectionIds: string[], now: Date): Promise<void> {
    if (!connectionIds.length) return;
    const blocks = await this.o.integrations.store.blocks.find(connectionIds.length === 1 ? { _id: connectionIds[0]! } : { _id: { $in: connectionIds } }).toArray();
    const byId = new Map(blocks.map((b) => [b._id, b.until.getTime()]));
    for (const id of connectionIds) this.blockCache.set(id, { until: byId.get(id) ?? 0, checkedAt: now.getTime() });
  }

  /** Blocked until (ms), re-read from the store every couple of seconds so other processes' 429s count. */
  private async blockedUntil(connectionId: string): Promise<number> {
    const cached = this.blockCache.get(connectionId);
    const now = Date.now();
    if (cached && now - cached.checkedAt < BLOCK_RECHECK_MS) return cached.until;
    const block = await this.o.integrations.store.blocks.findOne({ _id: connectionId });
    const until = Math.max(block?.until.getTime() ?? 0, cached && cached.until > now ? cached.until : 0);
    this.blockCache.set(connectionId, { until, checkedAt: now });
    return until;
  }

  private async block(connectionId: string, untilMs: number, reason: string): Promise<void> {
    this.blockCache.set(connectionId, { until: untilMs, checkedAt: Date.now() });
    await this.o.integrations.store.blocks.updateOne({ _id: connectionId }, { $set: { until: new Date(untilMs), reason } }, { upsert: true });
  }

  private async fetchGroup(
    link: KrLink,
    org: OrgIntegrations,
    connection: Connection | null,
    signal: AbortSignal | undefined,
    report: RunReport | undefined,
  ): Promise<{ ok: true; fetched: FetchedValue; durationMs: number; fetchedAt: Date } | { ok: false; error: ConnectorError | PauseReason; retryAfterMs?: number; stop: boolean }> {
    if (!connection) return { ok: false, error: { pause: "connection_removed" }, stop: true };
    const definition = this.o.integrations.registry.get(link.integrationId);
    if (!definition) return { ok: false, error: new ConnectorError("config", `The ${link.integrationId} integration is no longer installed.`), stop: true };
    if (!IntegrationService.isAllowed(org, definition.id)) return { ok: false, error: { pause: "not_allowed" }, stop: true };
    if (!IntegrationService.isEnabled(org, definition.id)) return { ok: false, error: { pause: "integration_disabled" }, stop: true };

    let secrets: unknown;
    try {
      secrets = await this.o.integrations.openSecrets(connection);
    } catch {
      return { ok: false, error: authFailure("The connection's secrets cannot be opened (was PACER_SECRET_KEY rotated without keeping the old key?); enter them again."), stop: true };
    }
    if (this.o.prepareSecrets) {
      try {
        secrets = await this.o.prepareSecrets(connection, secrets, signal);
      } catch (error) {
        const typed = asConnectorError(error);
        const retryAfterMs = typed.type === "rateLimited" ? ((typed as { retryAfterMs?: number }).retryAfterMs ?? definition.rateLimit.defaultRetryAfterMs) : undefined;
        return { ok: false, error: typed, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), stop: typed.type === "auth" || typed.type === "config" };
      }
    }
    const limit = this.o.connectionConcurrency ?? definition.rateLimit.maxConcurrentPerConnection;
    return this.orgSlots.use(`org:${link.tenantId}`, this.o.orgConcurrency ?? 16, () =>
      this.connectionSlots.use(`conn:${connection._id}`, limit, async () => {
        for (let attempt = 1; ; attempt += 1) {
          const blocked = await this.blockedUntil(connection._id);
          if (blocked > Date.now()) {
            return { ok: false as const, error: rateLimitedFailure(blocked - Date.now()), retryAfterMs: blocked - Date.now(), stop: false };
          }
          const started = Date.now();
          try {
            if (report) report.fetches += 1;
            const fetched =
              linkTarget(link).type === "project"
                ? await fetchProjectItems(this.runner, definition, connection.config, secrets, link.source, signal)
                : await this.runner.fetchValue(definition, connection.config, secrets, link.source, signal);
            if (report) report.fetchingMs = Math.max(report.fetchingMs, Date.now() - report.startedAt);
            return { ok: true as const, fetched, durationMs: Date.now() - started, fetchedAt: new Date(started) };
          } catch (error) {
            const typed = asConnectorError(error);
            const decision = decideRetry(typed, attempt, definition.rateLimit, this.o.random);
            if (decision.blockConnection) await this.block(connection._id, Date.now() + decision.waitMs, typed.message);
            if (decision.retry && !signal?.aborted) {
              await this.sleep(decision.waitMs, signal);
              continue;
            }
            return { ok: false as const, error: typed, ...(decision.blockConnection ? { retryAfterMs: decision.waitMs } : {}), stop: decision.stopUntilEdited };
          }
        }
      }),
    );
  }

  /** Applies one link's fetch result: check-in when changed, and the link fields to write. */
  private async record(
    link: KrLink,
    result: Awaited<ReturnType<SyncEngine["fetchGroup"]>>,
    intervalMs: number,
    manual: boolean,
  ): Promise<{ link: KrLink; outcome: LinkOutcome; set: Record<string, unknown> }> {
    const now = this.now();
    const regular = nextSlot(link._id, intervalMs, now);
    const base = { linkId: link._id, keyResultId: link.keyResultId };
    // A manual refresh leaves the regular schedule alone (unless the link was stopped).
    const keepSchedule = manual && link.nextSyncAt && link.active ? { nextSyncAt: link.nextSyncAt } : { nextSyncAt: regular };

    if (!result.ok && "pause" in result.error) {
      const set = { status: "paused", pausedReason: result.error.pause, active: false };
      const message = result.error.pause.replaceAll("_", " ");
      return { link, set, outcome: { ...base, ok: false, value: link.lastValue, details: link.lastDetails, asOf: null, changed: false, error: { type: "config", message, at: now } } };
    }
    if (!result.ok) {
      const error = result.error as ConnectorError;
      const lastError: LinkError = { type: error.type, message: error.message, at: now };
      const failures = link.failures + 1;
      let nextSyncAt: Date | null = regular;
      if (error.type === "rateLimited") nextSyncAt = new Date(now.getTime() + (result.retryAfterMs ?? 60_000) + Math.floor((this.o.random ?? Math.random)() * 10_000));
      else if (error.type === "transient") nextSyncAt = new Date(Math.min(regular.getTime(), now.getTime() + Math.min(intervalMs, 60_000 * 2 ** Math.min(failures, 10))));
      const stop = result.stop;
      const set = {
        status: "failed",
        lastError,
        failures,
        stoppedUntilEdited: stop,
        active: !stop,
        nextSyncAt: stop ? null : manual && link.nextSyncAt && link.nextSyncAt < nextSyncAt! ? link.nextSyncAt : nextSyncAt,
      };
      return {
        link,
        set,
        outcome: { ...base, ok: false, value: link.lastValue, details: link.lastDetails, asOf: null, changed: false, error: lastError, ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}) },
      };
    }

    const { fetched } = result;
    let changed = link.lastValue !== fetched.value;
    if ("items" in fetched) {
      // A project link: its tasks are replaced on every success (titles and states change without the progress).
      try {
        const mapped = await applyProjectItems(this.o.okr, link, fetched as Parameters<typeof applyProjectItems>[2], now);
        fetched.details = summarize(mapped);
        changed = true;
      } catch (error) {
        const gone = (error as { id?: string }).id === "not_found";
        if (!gone) this.o.log.error({ err: error, linkId: link._id }, "could not write a project's synced tasks");
        const lastError: LinkError = { type: gone ? "config" : "internal", message: gone ? "The linked project was deleted." : "The tasks were fetched but could not be saved; they will be tried again.", at: now };
        const set = { status: "failed", lastError, failures: link.failures + 1, stoppedUntilEdited: gone, active: !gone, nextSyncAt: gone ? null : keepSchedule.nextSyncAt };
        return { link, set, outcome: { ...base, ok: false, value: link.lastValue, details: link.lastDetails, asOf: fetched.asOf, changed: false, error: lastError } };
      }
    } else if (changed) {
      const fingerprint = createHash("sha256").update(`${link.sourceKey}\n${fetched.value}`).digest("hex").slice(0, 32);
      const checkInId = createHash("sha256").update(`${link._id}\n${link.nextSyncAt?.getTime() ?? 0}\n${manual ? now.getTime() : ""}\n${fetched.value}`).digest("hex").slice(0, 32);
      try {
        await this.checkInSlots.use("check-ins", this.o.checkInConcurrency ?? 8, () =>
          this.o.okr.checkIns.checkIn(systemActor(link.tenantId), link.keyResultId, {
            id: checkInId,
            value: fetched.value,
            note: fetched.details ?? "",
            source: {
              kind: "integration",
              integrationId: link.integrationId,
              connectionId: link.connectionId,
              sourceFingerprint: fingerprint,
              fetchedAt: result.fetchedAt,
              durationMs: result.durationMs,
            },
          }),
        );
      } catch (error) {
        const appError = error as { id?: string; message?: string; details?: Array<{ message?: string }> };
        const known = appError.id === "invalid_request" || appError.id === "not_found" || appError.id === "objective_closed";
        if (!known) this.o.log.error({ err: error, linkId: link._id }, "could not record a synced value");
        const message = known
          ? appError.id === "invalid_request"
            ? `The value ${fetched.value} does not fit the key result (${appError.details?.[0]?.message ?? appError.message}).`
            : (appError.message ?? "The key result cannot take check-ins.")
          : "The value was fetched but could not be recorded; it will be tried again.";
        const lastError: LinkError = { type: known ? "config" : "internal", message, at: now };
        const set = { status: "failed", lastError, failures: link.failures + 1, stoppedUntilEdited: known, active: !known, nextSyncAt: known ? null : keepSchedule.nextSyncAt };
        return { link, set, outcome: { ...base, ok: false, value: link.lastValue, details: link.lastDetails, asOf: fetched.asOf, changed: false, error: lastError } };
      }
    }
    const set = {
      status: "ok",
      lastSyncedAt: now,
      lastSuccessAt: now,
      lastValue: fetched.value,
      lastDetails: fetched.details,
      lastError: null,
      failures: 0,
      stoppedUntilEdited: false,
      active: true,
      ...keepSchedule,
    };
    return { link, set, outcome: { ...base, ok: true, value: fetched.value, details: fetched.details, asOf: fetched.asOf, changed, error: null } };
  }
}

/**
 * Sends updates in bulkWrites of `size` while more are being produced (fetches go on meanwhile),
 * one batch at a time. `flush` waits for all and reports the first failure.
 */
class BatchWriter<T extends Document> {
  private pending: AnyBulkWriteOperation<T>[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly collection: Collection<T>,
    private readonly size: number,
  ) {}

  add(op: AnyBulkWriteOperation<T>): void {
    this.pending.push(op);
    if (this.pending.length >= this.size) this.send(this.pending.splice(0, this.size));
  }

  private send(ops: AnyBulkWriteOperation<T>[]): void {
    this.chain = this.chain.then(() =>
      this.collection.bulkWrite(ops, { ordered: false }).then(
        () => undefined,
        (error: unknown) => void (this.failure ??= error),
      ),
    );
  }

  async flush(): Promise<void> {
    while (this.pending.length) this.send(this.pending.splice(0, this.size));
    await this.chain;
    if (this.failure) throw this.failure;
  }
}

interface PauseReason {
  pause: "connection_removed" | "integration_disabled" | "not_allowed";
}

const authFailure = (message: string) => new ConnectorError("auth", message);
const rateLimitedFailure = (waitMs: number) => new ConnectorError("rateLimited", `The source is rate limiting Pacer; next try in ${Math.ceil(waitMs / 1000)} s.`);
