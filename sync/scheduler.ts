import { randomUUID } from "node:crypto";
import os from "node:os";
import { MongoServerError, type Collection } from "mongodb";
import type { Logger } from "../core/log/logger.js";
import type { Store } from "../core/store/store.js";
import { isStoreUnreachable } from "../core/store/unreachable.js";
import { RunClaims, type RunClaim } from "./runClaims.js";

/**
 * Periodic jobs shared by every Pacer process that runs the sync role.
 *
 * A job's state (`schedulerJobs`) says when its next run is due. Each process's tick looks at the
 * due jobs and tries to claim that run (`RunClaims`: a unique insert, so exactly one process wins,
 * even on FerretDB v1, which has no atomic conditional update). The winner runs the job, renewing
 * its claim's lease, then writes the next due time. If the winner dies, its lease expires and
 * another process claims the next attempt of the same run.
 */
export interface ScheduledJob {
  name: string;
  intervalMs: number;
  run(signal: AbortSignal): Promise<void>;
}

interface JobState {
  _id: string;
  nextRunAt: Date;
  lastStartedAt?: Date;
  lastFinishedAt?: Date;
  lastDurationMs?: number;
  lastError?: string | null;
}

export interface SchedulerOptions {
  /** How often due jobs are looked for. */
  tickMs?: number;
  /** How long a claim lasts without renewal. */
  leaseMs?: number;
  /** Identifies this process in claims. */
  owner?: string;
}

export class Scheduler {
  private readonly jobs = new Map<string, ScheduledJob>();
  private readonly state: Collection<JobState>;
  private readonly claims: RunClaims;
  private readonly tickMs: number;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    store: Store,
    private readonly log: Logger,
    options: SchedulerOptions = {},
  ) {
    this.state = store.collection<JobState>("schedulerJobs");
    this.claims = new RunClaims(store, options.owner ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`);
    this.tickMs = options.tickMs ?? 30_000;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
  }

  register(job: ScheduledJob): void {
    if (this.jobs.has(job.name)) throw new Error(`job ${job.name} is registered twice`);
    this.jobs.set(job.name, job);
  }

  start(): void {
    if (this.timer || this.abort.signal.aborted) return;
    const loop = () => {
      void this.tick().finally(() => {
        if (!this.abort.signal.aborted) this.timer = setTimeout(loop, this.tickMs);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Makes a job due now (manual refresh); the next tick of any sync process runs it. */
  async runSoon(name: string, now = new Date()): Promise<void> {
    await this.state.updateOne({ _id: name }, { $set: { nextRunAt: now } }, { upsert: true });
  }

  /** One pass: starts every due job this process can claim. Returns the names started. */
  async tick(now = new Date()): Promise<string[]> {
    const started: string[] = [];
    for (const job of this.jobs.values()) {
      if (this.running.has(job.name)) continue;
      let claim: RunClaim | undefined;
      try {
        claim = await this.claimIfDue(job, now);
      } catch (error) {
        this.log[isStoreUnreachable(error) ? "warn" : "error"]({ err: error, job: job.name }, "could not claim the job's run");
        continue;
      }
      if (!claim) continue;
      started.push(job.name);
      const run = this.execute(job, claim, now).finally(() => this.running.delete(job.name));
      this.running.set(job.name, run);
    }
    return started;
  }

  /** Waits for the jobs started so far. */
  async idle(): Promise<void> {
    await Promise.all(this.running.values());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  private async claimIfDue(job: ScheduledJob, now: Date): Promise<RunClaim | undefined> {
    let state = await this.state.findOne({ _id: job.name });
    if (!state) {
      // A job never run before is due now. Several processes may insert this at once: one wins.
      state = { _id: job.name, nextRunAt: new Date(0) };
      await this.state.insertOne(state).catch((error: unknown) => {
        if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
      });
    }
    if (state.nextRunAt.getTime() > now.getTime()) return undefined;
    const result = await this.claims.tryClaim(job.name, String(state.nextRunAt.getTime()), this.leaseMs, now);
    return result.claimed ? result.claim : undefined;
  }

  private async execute(job: ScheduledJob, claim: RunClaim, now: Date): Promise<void> {
    const startedAt = now.getTime();
    const renew = setInterval(() => {
      void this.claims
        .renew(claim, this.leaseMs)
        .catch((error: unknown) => this.log.warn({ err: error, job: job.name }, "could not renew the job's claim"));
    }, Math.max(1_000, this.leaseMs / 3));
    let lastError: string | null = null;
    const clockStart = Date.now();
    try {
      await job.run(this.abort.signal);
    } catch (error) {
      lastError = (error as Error).message ?? String(error);
      this.log.error({ err: error, job: job.name }, "scheduled job failed");
    } finally {
      clearInterval(renew);
    }
    const durationMs = Date.now() - clockStart;
    const finishedAt = startedAt + durationMs;
    try {
      // Only this run's claimant writes the state, so a plain update is safe.
      await this.state.updateOne(
        { _id: job.name },
        {
          $set: {
            // Keep an hourly job on its hour: count the interval from the start, not the end.
            nextRunAt: new Date(Math.max(startedAt + job.intervalMs, finishedAt)),
            lastStartedAt: new Date(startedAt),
            lastFinishedAt: new Date(finishedAt),
            lastDurationMs: durationMs,
            lastError,
          },
        },
      );
      await this.claims.finish(claim, new Date(finishedAt));
    } catch (error) {
      this.log.warn({ err: error, job: job.name }, "could not record the job's run; its claim will expire and the run be retried");
    }
  }
}
