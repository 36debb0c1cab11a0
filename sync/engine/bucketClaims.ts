import { MongoBulkWriteError, type Collection } from "mongodb";
import type { RunClaim, RunClaims } from "../runClaims.js";

/**
 * "Exactly one process syncs a state bucket's due links at a time" (buckets: see
 * core/integrations/linkStates.ts). A process claims a bucket by inserting `<bucket>@sync#0` into
 * `linkClaims` (one unordered insertMany for the new buckets of a batch): the unique `_id` lets one
 * process win on any store. The winner then re-reads the bucket, so a run finished meanwhile by
 * another process is seen, syncs what is still due, writes the states, and deletes the claim.
 * So the collection only holds claims in progress (or of dead processes): a duplicate falls back to
 * `RunClaims.tryClaim`, which takes over a claim whose lease ran out (the next attempt number).
 * Holders renew their leases while they work.
 */
const RUN = "sync";

export class BucketClaims {
  /** Claims won and not yet released: renewed by `holding`. */
  private readonly held = new Set<RunClaim>();

  constructor(
    private readonly claims: RunClaims,
    private readonly raw: Collection<RunClaim>,
    private readonly leaseMs: number,
  ) {}

  /** Claims the buckets; returns the claims this process won, by bucket. */
  async claim(buckets: string[], now: Date): Promise<Map<string, RunClaim>> {
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const docs: RunClaim[] = buckets.map((task) => ({ _id: `${task}@${RUN}#0`, task, run: RUN, attempt: 0, owner: this.claims.owner, leaseUntil, finishedAt: null }));
    const lost = new Set<number>();
    try {
      if (docs.length) await this.raw.insertMany(docs, { ordered: false });
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      for (const e of writeErrors) {
        if (e.code !== 11000) throw error;
        lost.add(e.index);
      }
    }
    const won = new Map<string, RunClaim>();
    for (const [index, doc] of docs.entries()) if (!lost.has(index)) won.set(doc.task, doc);
    if (lost.size === 0) return this.hold(won);
    // Usually the other claims are alive (another process is on it): one read finds the expired ones to take over.
    const lostTasks = [...lost].map((index) => docs[index]!.task);
    const held = await this.raw.find({ task: { $in: lostTasks }, run: RUN }).toArray();
    const live = new Set(held.filter((c) => c.leaseUntil.getTime() >= now.getTime()).map((c) => c.task));
    for (const task of lostTasks) {
      if (live.has(task)) continue;
      const result = await this.claims.tryClaim(task, RUN, this.leaseMs, now);
      if (result.claimed) won.set(task, result.claim);
    }
    return this.hold(won);
  }

  private hold(won: Map<string, RunClaim>): Map<string, RunClaim> {
    for (const claim of won.values()) this.held.add(claim);
    return won;
  }

  /** Renews the held claims (at a third of the lease) while `work` runs. */
  async holding<T>(work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      for (const claim of this.held) void this.claims.renew(claim, this.leaseMs).catch(() => undefined);
    }, Math.max(1_000, this.leaseMs / 3));
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  async release(claim: RunClaim): Promise<void> {
    this.held.delete(claim);
    await this.claims.release(claim);
  }
}
