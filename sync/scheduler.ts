import { randomUUID } from "node:crypto";
import os from "node:os";
import { MongoServerError, type Collection } from "mongodb";
import type { Logger } from "../core/log/logger.js";
import type { Store } from "../core/store/store.js";
import { isStoreUnreachable } from "../core/store/unreachable.js";

/**
 * Periodic jobs shared by every Pacer process that runs the sync role.
 *
 * Each job has one lease document in `schedulerLeases`. A process runs a job only after taking
 * its lease with one atomic findOneAndUpdate (due, and lease free or expired), so with several
 * sync processes on one MongoDB each run happens once. A running job renews its lease; a process
 * that dies leaves a lease that expires, and another process picks the job up. No transactions or
 * change streams are needed, so this works on FerretDB v1 as on MongoDB.
 */
export interface ScheduledJob {
  name: string;
  intervalMs: number;
  run(signal: AbortSignal): Promise<void>;
}

interface Lease {
  _id: string;
  owner: string;
  leaseUntil: Date;
  nextRunAt?: Date;
  lastStartedAt?: Date;
  lastFinishedAt?: Date;
  lastDurationMs?: number;
  lastError?: string | null;
}

export interface SchedulerOptions {
  /** How often due jobs are looked for. */
  tickMs?: number;
  /** How long a lease lasts without renewal. */
  leaseMs?: number;
  /** Identifies this process in lease documents. */
  owner?: string;
}

export class Scheduler {
  private readonly jobs = new Map<string, ScheduledJob>();
  private readonly leases: Collection<Lease>;
  private readonly owner: string;
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
    this.leases = store.collection<Lease>("schedulerLeases");
    this.owner = options.owner ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.tickMs = options.tickMs ?? 30_000;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
  }

  register(job: ScheduledJob): void {
    if (this.jobs.has(job.name)) throw new Error(`job ${job.name} is registered twice`);
    this.jobs.set(job.name, job);
  }

  start(): void {
    if (this.timer) return;
    const loop = () => {
      void this.tick().finally(() => {
        if (!this.abort.signal.aborted) this.timer = setTimeout(loop, this.tickMs);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Makes a job due now (manual refresh); the next tick of any sync process runs it. */
  async runSoon(name: string): Promise<void> {
    await this.leases.updateOne({ _id: name }, { $set: { nextRunAt: new Date(0) } });
  }

  /** One pass: starts every due job whose lease this process can take. Returns the names started. */
  async tick(now = new Date()): Promise<string[]> {
    const started: string[] = [];
    for (const job of this.jobs.values()) {
      if (this.running.has(job.name)) continue;
      let acquired = false;
      try {
        acquired = await this.acquire(job.name, now);
      } catch (error) {
        this.log[isStoreUnreachable(error) ? "warn" : "error"]({ err: error, job: job.name }, "could not check the job's lease");
        continue;
      }
      if (!acquired) continue;
      started.push(job.name);
      const run = this.execute(job).finally(() => this.running.delete(job.name));
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

  private async acquire(name: string, now: Date): Promise<boolean> {
    try {
      const lease = await this.leases.findOneAndUpdate(
        {
          _id: name,
          $and: [
            { $or: [{ nextRunAt: { $exists: false } }, { nextRunAt: { $lte: now } }] },
            { $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: now } }] },
          ],
        },
        { $set: { owner: this.owner, leaseUntil: new Date(now.getTime() + this.leaseMs), lastStartedAt: now } },
        { upsert: true, returnDocument: "after" },
      );
      return lease?.owner === this.owner;
    } catch (error) {
      // The lease exists but is not free: the upsert tried to insert a second one.
      if (error instanceof MongoServerError && error.code === 11000) return false;
      throw error;
    }
  }

  private async execute(job: ScheduledJob): Promise<void> {
    const startedAt = Date.now();
    const renew = setInterval(() => {
      void this.leases
        .updateOne({ _id: job.name, owner: this.owner }, { $set: { leaseUntil: new Date(Date.now() + this.leaseMs) } })
        .catch((error: unknown) => this.log.warn({ err: error, job: job.name }, "could not renew the job's lease"));
    }, Math.max(1_000, this.leaseMs / 3));
    let lastError: string | null = null;
    try {
      await job.run(this.abort.signal);
    } catch (error) {
      lastError = (error as Error).message ?? String(error);
      this.log.error({ err: error, job: job.name }, "scheduled job failed");
    } finally {
      clearInterval(renew);
    }
    const finishedAt = new Date();
    await this.leases
      .updateOne(
        { _id: job.name, owner: this.owner },
        {
          $set: {
            leaseUntil: new Date(0),
            // Keep an hourly job on its hour: count the interval from the start, not the end.
            nextRunAt: new Date(Math.max(startedAt + job.intervalMs, finishedAt.getTime())),
            lastFinishedAt: finishedAt,
            lastDurationMs: finishedAt.getTime() - startedAt,
            lastError,
          },
        },
      )
      .catch((error: unknown) => this.log.warn({ err: error, job: job.name }, "could not release the job's lease; it will expire"));
  }
}
