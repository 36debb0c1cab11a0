import { MongoServerError, type Collection } from "mongodb";
import type { Store } from "../core/store/store.js";

/**
 * "Exactly one process does run R of task T", on any MongoDB-compatible store.
 *
 * The usual lease (one findOneAndUpdate with a range filter on `leaseUntil`) is not atomic on
 * FerretDB v1: it evaluates such filters in its own process and then writes by `_id`, so two
 * processes can both "win". What every such store does enforce is the unique `_id`. So a process
 * claims a run by inserting `{ _id: "<task>@<run>#<attempt>" }`: one insert succeeds, the others
 * get a duplicate-key error. A claim carries a lease; when a claimant dies, its lease expires and
 * the next attempt number can be claimed, again by exactly one process. All lookups are equality
 * filters, which FerretDB pushes down to SQLite.
 */
export interface RunClaim {
  _id: string;
  task: string;
  run: string;
  attempt: number;
  owner: string;
  leaseUntil: Date;
  finishedAt: Date | null;
}

export type ClaimResult = { claimed: true; claim: RunClaim } | { claimed: false; reason: "running" | "finished" | "lost-race" };

export class RunClaims {
  private readonly claims: Collection<RunClaim>;

  constructor(
    store: Store,
    readonly owner: string,
    collectionName = "runClaims",
  ) {
    this.claims = store.collection<RunClaim>(collectionName);
  }

  async tryClaim(task: string, run: string, leaseMs: number, now = new Date()): Promise<ClaimResult> {
    const previous = await this.claims.find({ task, run }).toArray();
    const latest = previous.sort((a, b) => b.attempt - a.attempt)[0];
    if (latest?.finishedAt) return { claimed: false, reason: "finished" };
    if (latest && latest.leaseUntil.getTime() >= now.getTime()) return { claimed: false, reason: "running" };
    const claim: RunClaim = {
      _id: `${task}@${run}#${latest ? latest.attempt + 1 : 0}`,
      task,
      run,
      attempt: latest ? latest.attempt + 1 : 0,
      owner: this.owner,
      leaseUntil: new Date(now.getTime() + leaseMs),
      finishedAt: null,
    };
    try {
      await this.claims.insertOne(claim);
      return { claimed: true, claim };
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) return { claimed: false, reason: "lost-race" };
      throw error;
    }
  }

  /** Extends a running claim; only its owner writes it, so a plain update is safe. */
  async renew(claim: RunClaim, leaseMs: number): Promise<void> {
    await this.claims.updateOne({ _id: claim._id, owner: this.owner }, { $set: { leaseUntil: new Date(Date.now() + leaseMs) } });
  }

  /** Forgets every attempt at this run, so the task can be claimed again (the sync engine's bucket leases). */
  async release(claim: RunClaim): Promise<void> {
    await this.claims.deleteMany({ task: claim.task, run: claim.run });
  }

  /** Marks the run done and forgets the task's older runs (their claims are no longer needed). */
  async finish(claim: RunClaim, now = new Date()): Promise<void> {
    await this.claims.updateOne({ _id: claim._id, owner: this.owner }, { $set: { finishedAt: now } });
    await this.claims.deleteMany({ task: claim.task, run: { $ne: claim.run } });
  }
}
