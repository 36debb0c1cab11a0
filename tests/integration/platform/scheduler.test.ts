import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import type { Store } from "../../../core/store/store.js";
import { Scheduler, type ScheduledJob } from "../../../sync/scheduler.js";
import { openTestStore } from "../../support/testPacer.js";

const log = createLogger("silent");

describe("scheduler leases on FerretDB", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore();
  });
  afterAll(async () => store.close());

  const countingJob = (name: string, runs: string[], who: string, intervalMs = 60 * 60_000): ScheduledJob => ({
    name,
    intervalMs,
    async run() {
      runs.push(who);
      await new Promise((r) => setTimeout(r, 20));
    },
  });

  it("runs a due job once even when two processes tick at the same moment", async () => {
    const runs: string[] = [];
    const a = new Scheduler(store, log, { owner: "a" });
    const b = new Scheduler(store, log, { owner: "b" });
    a.register(countingJob("hourly-1", runs, "a"));
    b.register(countingJob("hourly-1", runs, "b"));
    const now = new Date();
    const started = [...(await Promise.all([a.tick(now), b.tick(now)])).flat()];
    await Promise.all([a.idle(), b.idle()]);
    expect(started).toEqual(["hourly-1"]);
    expect(runs).toHaveLength(1);

    // Not due again until its interval has passed…
    expect([...(await a.tick(new Date(now.getTime() + 30 * 60_000))), ...(await b.tick(new Date(now.getTime() + 30 * 60_000)))]).toEqual([]);
    // …then due again, once.
    const later = new Date(now.getTime() + 61 * 60_000);
    const again = [...(await Promise.all([b.tick(later), a.tick(later)])).flat()];
    await Promise.all([a.idle(), b.idle()]);
    expect(again).toEqual(["hourly-1"]);
    expect(runs).toHaveLength(2);
  });

  it("runs each of many jobs exactly once per interval with several processes racing", async () => {
    const runs: string[] = [];
    const processes = ["p1", "p2", "p3"].map((owner) => new Scheduler(store, log, { owner }));
    for (let j = 0; j < 8; j += 1) {
      for (const p of processes) p.register(countingJob(`race-${j}`, runs, `race-${j}`));
    }
    const t0 = Date.now();
    for (let hour = 0; hour < 3; hour += 1) {
      const at = new Date(t0 + hour * 61 * 60_000);
      await Promise.all(processes.map((p) => p.tick(at)));
      await Promise.all(processes.map((p) => p.idle()));
    }
    expect(runs).toHaveLength(8 * 3);
    for (let j = 0; j < 8; j += 1) expect(runs.filter((r) => r === `race-${j}`)).toHaveLength(3);
  });

  it("takes over the lease of a process that died mid-run, once the lease has expired", async () => {
    const runs: string[] = [];
    const dying = new Scheduler(store, log, { owner: "dying", leaseMs: 60_000 });
    let release!: () => void;
    dying.register({ name: "takeover", intervalMs: 3_600_000, run: () => new Promise<void>((r) => (release = r)) });
    const survivor = new Scheduler(store, log, { owner: "survivor", leaseMs: 60_000 });
    survivor.register(countingJob("takeover", runs, "survivor"));

    const t0 = new Date();
    expect(await dying.tick(t0)).toEqual(["takeover"]);
    // The lease is held: the survivor must not run the job.
    expect(await survivor.tick(new Date(t0.getTime() + 30_000))).toEqual([]);
    // The dying process never finishes (crash); after the lease expires the survivor takes over.
    expect(await survivor.tick(new Date(t0.getTime() + 61_000))).toEqual(["takeover"]);
    await survivor.idle();
    expect(runs).toEqual(["survivor"]);
    release();
    await dying.idle();
  });

  it("records a failing job's error and keeps running the others", async () => {
    const runs: string[] = [];
    const s = new Scheduler(store, log, { owner: "solo" });
    s.register({ name: "broken", intervalMs: 60_000, run: async () => Promise.reject(new Error("source exploded")) });
    s.register(countingJob("healthy", runs, "solo"));
    expect(await s.tick()).toEqual(["broken", "healthy"]);
    await s.idle();
    expect(runs).toEqual(["solo"]);
    const lease = await store.collection<{ _id: string; lastError: string | null; nextRunAt: Date }>("schedulerJobs").findOne({ _id: "broken" });
    expect(lease?.lastError).toBe("source exploded");
    expect(lease?.nextRunAt.getTime()).toBeGreaterThan(Date.now());
  });

  it("runs a job again at once after runSoon (manual refresh)", async () => {
    const runs: string[] = [];
    const s = new Scheduler(store, log, { owner: "manual" });
    s.register(countingJob("refreshable", runs, "manual"));
    await s.tick();
    await s.idle();
    expect(await s.tick()).toEqual([]);
    await s.runSoon("refreshable");
    expect(await s.tick()).toEqual(["refreshable"]);
    await s.idle();
    expect(runs).toHaveLength(2);
  });
});
