import { createHash } from "node:crypto";
import type { Collection } from "mongodb";
import type { FetchedValue } from "../../core/integrations/contract.js";
import { IntegrationService } from "../../core/integrations/integrationService.js";
import { bucketKey, stateOf, withState, type LinkStateStore, type LinkSyncState } from "../../core/integrations/linkStates.js";
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
import { BucketClaims } from "./bucketClaims.js";
import { ConnectorRunner } from "./connectorRunner.js";
import { applyProjectItems, fetchProjectItems, summarize } from "./projectLinks.js";
import { KeyedSemaphores } from "./semaphore.js";
import { StateWriter } from "./stateWriter.js";

/**
 * The sync engine. Every minute (a scheduler job per process) it:
 *   1. reads the active links a batch at a time, merged with their sync state (`linkSyncStates`,
 *      see core/integrations/linkStates.ts): due when `active` and `nextSyncAt <= now`;
 *   2. claims the state buckets holding the due ones (BucketClaims: a unique insert per bucket, so
 *      exactly one process syncs a bucket's due links; a dead process's lease expires and its
 *      buckets are taken over), re-reads the buckets won so a run another process finished
 *      meanwhile is not repeated, and starts syncing the batch while the next one is read;
 *   3. groups the claimed links by `sourceKey` (connection + canonical source) and fetches each
 *      group once, under a per-connection and a per-org concurrency limit, honouring the
 *      connection's shared "blocked until" (`syncBlocks`, written on 429 by any process);
 *   4. retries transient errors with jittered backoff (sync/retryPolicy.ts); auth/config/shape
 *      errors stop the link until it or its connection is edited; a failure never touches the KR;
 *   5. records a check-in (CheckInService, source = integration, deterministic id so a retry is
 *      harmless) only when the value changed; otherwise only `lastSyncedAt` moves;
 *   6. writes each link's new state into its bucket while fetching goes on (StateWriter: one update
 *      per bucket per `STATE_FLUSH` links, and when a bucket's last link is in, after which its claim
 *      is released). The new `nextSyncAt` is what marks the slot done. The link document is written
 *      only when the sync finds its integration or connection gone (it is paused, as an admin would).
 *
 * On FerretDB v1 every update or point read scans its collection, so a run's store work is kept
 * to one scan of the links and two of the states, one insert per bucket claimed and one update per
 * bucket written (plus what each check-in costs).
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
  /** Links read per batch (default 1000): a batch's due links start syncing while the next is read. */
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
  /** Reading the links and states, batch by batch (earlier batches sync meanwhile). */
  findingMs: number;
  /** Claiming buckets and re-reading the claimed ones. */
  claimingMs: number;
  /** From the start of the run to the end of its last fetch (the rest is writing outcomes). */
  fetchingMs: number;
  ok: number;
  failed: number;
  changed: number;
}

/** A link's sync result: what the caller hears, and the state to store (null: the link document was written instead). */
interface Recorded {
  outcome: LinkOutcome;
  state: LinkSyncState | null;
}

const BLOCK_RECHECK_MS = 2_000;
/** States written per bucket update while a run goes on (a bucket is also written when its last link is in). */
export const STATE_FLUSH = 200;
const CLAIM_CLEANUP_EVERY_MS = 10 * 60_000;

export class SyncEngine {
  private readonly claims: RunClaims;
  private readonly runner: ConnectorRunner;
  private readonly buckets: BucketClaims;
  private readonly links: Collection<KrLink>;
  private readonly states: LinkStateStore;
  private readonly claimsRaw: Collection<RunClaim>;
  private readonly connectionSlots = new KeyedSemaphores();
  private readonly orgSlots = new KeyedSemaphores();
  private readonly checkInSlots = new KeyedSemaphores();
  private readonly blockCache = new Map<string, { until: number; checkedAt: number }>();
  private readonly blockReads = new Set<string>();
  private lastCleanup = 0;

  constructor(private readonly o: SyncEngineOptions) {
    this.claims = new RunClaims(o.store, o.owner, "linkClaims");
    this.claimsRaw = o.store.collection<RunClaim>("linkClaims");
    this.buckets = new BucketClaims(this.claims, this.claimsRaw, o.leaseMs ?? 5 * 60_000);
    this.links = o.integrations.store.links.raw;
    this.states = o.integrations.store.states;
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
    const report: RunReport = { due: 0, claimed: 0, fetches: 0, startedAt: Date.now(), findingMs: 0, claimingMs: 0, fetchingMs: 0, ok: 0, failed: 0, changed: 0 };
    const run = this.newRun(false, report);
    const syncs: Array<Promise<LinkOutcome[]>> = [];
    await this.buckets.holding(async () => {
      try {
        // Each batch's links start syncing while the next batch is read.
        await this.claimDueBatches(now, run, signal, (links) => void syncs.push(this.syncBatch(links, run, signal)));
      } finally {
        run.writer.seal();
        const settled = await Promise.allSettled(syncs);
        await run.writer.flush();
        const failure = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failure) throw failure.reason;
        for (const outcome of settled.flatMap((r) => (r.status === "fulfilled" ? r.value : []))) {
          if (outcome.ok) report.ok += 1;
          else report.failed += 1;
          if (outcome.changed) report.changed += 1;
        }
      }
    });
    await this.cleanupClaims(now);
    return report;
  }

  /** What one run (or one refresh) shares: caches, the state writer, the claims to release, the report. */
  private newRun(manual: boolean, report?: RunReport): Run {
    const claims = new Map<string, RunClaim>();
    const writer = new StateWriter(this.states, STATE_FLUSH, async (bucket) => {
      const claim = claims.get(bucket);
      if (!claim) return;
      claims.delete(bucket);
      await this.buckets.release(claim).catch((error: unknown) => this.o.log.warn({ err: error, bucket }, "could not release a bucket claim; its lease will expire"));
    });
    return { manual, report, claims, writer, settings: new Map(), connections: new Map(), fetched: new Map(), blocksRead: new Map() };
  }

  /**
   * Reads the active links a batch at a time (`chunkSize`), merged with their states; claims the
   * buckets of the due ones (each bucket once per run); re-reads the buckets won, since another
   * process may have synced some of their links since they were read; and hands over the links
   * still due. The writer is told which links to expect, so it writes and releases a bucket once
   * the last of them is in (after `seal`, when the reading is done).
   */
  private async claimDueBatches(now: Date, run: Run, signal: AbortSignal | undefined, onLinks: (links: KrLink[]) => void): Promise<void> {
    const started = Date.now();
    const known = new Map<string, LinkSyncState>();
    for (const bucket of await this.states.buckets()) for (const [linkId, state] of bucket.states) known.set(linkId, state);
    const fresh = new Map<string, LinkSyncState>();
    const refused = new Set<string>();
    let left = this.o.maxPerRun ?? 50_000;
    const size = this.o.chunkSize ?? 1000;
    const handle = async (docs: KrLink[]) => {
      const candidates = dueByBucket(docs, known, now, left);
      const fresher = [...candidates.keys()].filter((key) => !run.claims.has(key) && !refused.has(key));
      if (fresher.length) {
        const claimStarted = Date.now();
        const won = await this.buckets.claim(fresher, now);
        for (const key of fresher) if (!won.has(key)) refused.add(key);
        for (const bucket of await this.states.buckets([...won.keys()])) for (const [linkId, state] of bucket.states) fresh.set(linkId, state);
        for (const [key, claim] of won) run.claims.set(key, claim);
        if (run.report) run.report.claimingMs += Date.now() - claimStarted;
      }
      const found = [...candidates.values()].reduce((n, l) => n + l.length, 0);
      left -= found;
      const held = docs.filter((doc) => {
        const key = bucketKey(doc.tenantId, doc._id);
        return candidates.has(key) && run.claims.has(key);
      });
      const due = [...dueByBucket(held, fresh, now, Infinity).values()].flat();
      if (run.report) {
        run.report.due += found;
        run.report.claimed += due.length;
      }
      if (due.length === 0) return;
      run.writer.expect(due);
      onLinks(due);
    };
    let batch: KrLink[] = [];
    for await (const doc of this.links.find({ active: true }).batchSize(size)) {
      if (signal?.aborted || left <= 0) break;
      batch.push(doc);
      if (batch.length >= size) await handle(batch.splice(0));
    }
    if (batch.length && !signal?.aborted && left > 0) await handle(batch);
    // Buckets claimed whose links turned out done: nothing to write, release them now.
    for (const [key, claim] of run.claims) {
      if (run.writer.expects(key)) continue;
      run.claims.delete(key);
      await this.buckets.release(claim);
    }
    if (run.report) run.report.findingMs = Date.now() - started;
  }

  /** Finds the due links and claims their buckets without syncing them (what a process killed right after claiming leaves). */
  async claimDue(now = this.now()): Promise<KrLink[]> {
    const found: KrLink[] = [];
    await this.claimDueBatches(now, this.newRun(false), undefined, (links) => void found.push(...links));
    return found;
  }

  /**
   * Claims are deleted once their bucket's states are written; those left by dead processes and
   * never taken over (their links were unlinked) are removed an hour after their lease ended.
   */
  private async cleanupClaims(now: Date): Promise<void> {
    if (now.getTime() - this.lastCleanup < CLAIM_CLEANUP_EVERY_MS) return;
    this.lastCleanup = now.getTime();
    await this.claimsRaw.deleteMany({ leaseUntil: { $lt: new Date(now.getTime() - 60 * 60_000) } }).catch((error: unknown) => {
      this.o.log.warn({ err: error }, "could not remove old link claims");
    });
  }

  /** Manual refresh: sync this link (as read with its state) now, without a claim, and answer with its outcome. */
  async refresh(link: KrLink, signal?: AbortSignal): Promise<LinkOutcome> {
    const [outcome] = await this.sync([link], { manual: true, signal });
    return outcome!;
  }

  /**
   * Syncs these links (merged with their states) now, without claims, and stores their new states.
   * Never throws for a link's failure: each gets its own outcome.
   */
  async sync(links: KrLink[], options: { manual: boolean; signal?: AbortSignal | undefined }): Promise<LinkOutcome[]> {
    const run = this.newRun(options.manual);
    run.writer.expect(links);
    run.writer.seal();
    const outcomes = await this.syncBatch(links, run, options.signal);
    await run.writer.flush();
    return outcomes;
  }

  /** Syncs links of a run: fetches each source once, records each link's outcome, and hands its state to the run's writer. */
  private async syncBatch(links: KrLink[], run: Run, signal: AbortSignal | undefined): Promise<LinkOutcome[]> {
    const settingsOf = (tenantId: string) => {
      let found = run.settings.get(tenantId);
      if (!found) run.settings.set(tenantId, (found = this.o.integrations.settings(tenantId)));
      return found;
    };
    const connectionOf = (link: KrLink) => {
      let found = run.connections.get(link.connectionId);
      if (!found) run.connections.set(link.connectionId, (found = this.o.integrations.store.connections.findById(link.tenantId, link.connectionId)));
      return found;
    };
    // Each run starts from the stored blocks (another process may have hit a 429 since).
    const connectionIds = [...new Set(links.map((l) => l.connectionId))];
    const unread = connectionIds.filter((id) => !run.blocksRead.has(id));
    const reading = this.loadBlocks(unread);
    for (const id of unread) run.blocksRead.set(id, reading);
    await Promise.all(connectionIds.map((id) => run.blocksRead.get(id)));

    const groups = new Map<string, KrLink[]>();
    for (const link of links) {
      const group = groups.get(link.sourceKey);
      if (group) group.push(link);
      else groups.set(link.sourceKey, [link]);
    }
    const outcomes = new Map<string, LinkOutcome>();
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const first = group[0]!;
        // Identical sources are fetched once per run, also when their links come in different batches.
        let fetching = run.fetched.get(first.sourceKey);
        if (!fetching) {
          fetching = Promise.all([settingsOf(first.tenantId), connectionOf(first)]).then(([org, connection]) => this.fetchGroup(first, org, connection, signal, run.report));
          run.fetched.set(first.sourceKey, fetching);
        }
        const result = await fetching;
        const intervalMs = (await settingsOf(first.tenantId)).syncIntervalMinutes * 60_000;
        await Promise.all(
          group.map(async (link) => {
            const recorded = await this.record(link, result, intervalMs, run.manual);
            outcomes.set(link._id, recorded.outcome);
            run.writer.add(link.tenantId, link._id, recorded.state);
          }),
        );
      }),
    );
    return links.map((l) => outcomes.get(l._id)!);
  }

  /**
   * The sync found the link's connection or integration gone: pause it as the admin action would
   * have (on the link document, bumping its version, so its state's control fields no longer apply).
   */
  private async pause(link: KrLink, reason: PauseReason["pause"]): Promise<void> {
    await this.links.updateOne({ _id: link._id }, { $set: { status: "paused", pausedReason: reason, active: false, updatedAt: this.now() }, $inc: { version: 1 } });
  }

  private async loadBlocks(connectionIds: string[]): Promise<void> {
    if (!connectionIds.length) return;
    const blocks = await this.o.integrations.store.blocks.find(connectionIds.length === 1 ? { _id: connectionIds[0]! } : { _id: { $in: connectionIds } }).toArray();
    const byId = new Map(blocks.map((b) => [b._id, b.until.getTime()]));
    for (const id of connectionIds) this.blockCache.set(id, { until: byId.get(id) ?? 0, checkedAt: Date.now() });
  }

  /**
   * Blocked until (ms), as last read. Every couple of seconds it is re-read in the background, so
   * other processes' 429s count without a store read holding a connection slot before each fetch.
   */
  private blockedUntil(connectionId: string): number {
    const cached = this.blockCache.get(connectionId) ?? { until: 0, checkedAt: 0 };
    if (Date.now() - cached.checkedAt >= BLOCK_RECHECK_MS && !this.blockReads.has(connectionId)) {
      this.blockReads.add(connectionId);
      void this.o.integrations.store.blocks
        .findOne({ _id: connectionId })
        .then((block) => {
          const known = this.blockCache.get(connectionId)?.until ?? 0;
          this.blockCache.set(connectionId, { until: Math.max(block?.until.getTime() ?? 0, known > Date.now() ? known : 0), checkedAt: Date.now() });
        })
        .catch((error: unknown) => this.o.log.warn({ err: error, connectionId }, "could not re-read the connection's rate-limit block"))
        .finally(() => this.blockReads.delete(connectionId));
    }
    return cached.until;
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
  ): Promise<FetchResult> {
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
          const blocked = this.blockedUntil(connection._id);
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

  /** Applies one link's fetch result: a check-in when the value changed, and the link's new state. */
  private async record(link: KrLink, result: FetchResult, intervalMs: number, manual: boolean): Promise<Recorded> {
    const now = this.now();
    const regular = nextSlot(link._id, intervalMs, now);
    const base = { linkId: link._id, keyResultId: link.keyResultId };
    // A manual refresh leaves the regular schedule alone (unless the link was stopped).
    const keepSchedule = manual && link.nextSyncAt && link.active ? link.nextSyncAt : regular;
    const failed = (lastError: LinkError, stop: boolean, nextSyncAt: Date | null, asOf: Date | null, retryAfterMs?: number): Recorded => ({
      state: stateOf(link, { status: "failed", lastError, failures: link.failures + 1, stoppedUntilEdited: stop, active: !stop, nextSyncAt: stop ? null : nextSyncAt }),
      outcome: { ...base, ok: false, value: link.lastValue, details: link.lastDetails, asOf, changed: false, error: lastError, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    });

    if (!result.ok && "pause" in result.error) {
      await this.pause(link, result.error.pause);
      const message = result.error.pause.replaceAll("_", " ");
      return { state: null, outcome: { ...base, ok: false, value: link.lastValue, details: link.lastDetails, asOf: null, changed: false, error: { type: "config", message, at: now } } };
    }
    if (!result.ok) {
      const error = result.error as ConnectorError;
      let nextSyncAt = regular;
      if (error.type === "rateLimited") nextSyncAt = new Date(now.getTime() + (result.retryAfterMs ?? 60_000) + Math.floor((this.o.random ?? Math.random)() * 10_000));
      else if (error.type === "transient") nextSyncAt = new Date(Math.min(regular.getTime(), now.getTime() + Math.min(intervalMs, 60_000 * 2 ** Math.min(link.failures + 1, 10))));
      if (manual && link.nextSyncAt && link.nextSyncAt < nextSyncAt) nextSyncAt = link.nextSyncAt;
      return failed({ type: error.type, message: error.message, at: now }, result.stop, nextSyncAt, null, result.retryAfterMs);
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
        const message = gone ? "The linked project was deleted." : "The tasks were fetched but could not be saved; they will be tried again.";
        return failed({ type: gone ? "config" : "internal", message, at: now }, gone, keepSchedule, fetched.asOf);
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
        return failed({ type: known ? "config" : "internal", message, at: now }, known, keepSchedule, fetched.asOf);
      }
    }
    return {
      state: stateOf(link, {
        status: "ok",
        lastSyncedAt: now,
        lastSuccessAt: now,
        lastValue: fetched.value,
        lastDetails: fetched.details,
        lastError: null,
        failures: 0,
        stoppedUntilEdited: false,
        active: true,
        nextSyncAt: keepSchedule,
      }),
      outcome: { ...base, ok: true, value: fetched.value, details: fetched.details, asOf: fetched.asOf, changed, error: null },
    };
  }
}

/** Links due at `now` (merged with their states), by state bucket, in bucket order, at most `limit`. */
function dueByBucket(docs: KrLink[], states: Map<string, LinkSyncState>, now: Date, limit: number): Map<string, KrLink[]> {
  const due = new Map<string, KrLink[]>();
  let count = 0;
  for (const doc of docs) {
    const link = withState(doc, states.get(doc._id));
    if (!link.active || !link.nextSyncAt || link.nextSyncAt.getTime() > now.getTime()) continue;
    if (count++ >= limit) break;
    const key = bucketKey(link.tenantId, link._id);
    const bucket = due.get(key);
    if (bucket) bucket.push(link);
    else due.set(key, [link]);
  }
  return due;
}


/** What one run (or one manual sync) shares. */
interface Run {
  manual: boolean;
  report: RunReport | undefined;
  /** Bucket claims held, released as each bucket's states are written. */
  claims: Map<string, RunClaim>;
  writer: StateWriter;
  settings: Map<string, Promise<OrgIntegrations>>;
  connections: Map<string, Promise<Connection | null>>;
  fetched: Map<string, Promise<FetchResult>>;
  /** Connections whose "blocked until" this run has read (or is reading). */
  blocksRead: Map<string, Promise<void>>;
}

/** One fetch of a source, shared by every link reading it. */
type FetchResult =
  | { ok: true; fetched: FetchedValue; durationMs: number; fetchedAt: Date }
  | { ok: false; error: ConnectorError | PauseReason; retryAfterMs?: number; stop: boolean };

interface PauseReason {
  pause: "connection_removed" | "integration_disabled" | "not_allowed";
}

const authFailure = (message: string) => new ConnectorError("auth", message);
const rateLimitedFailure = (waitMs: number) => new ConnectorError("rateLimited", `The source is rate limiting Pacer; next try in ${Math.ceil(waitMs / 1000)} s.`);
