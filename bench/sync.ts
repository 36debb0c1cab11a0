import { randomBytes, randomUUID } from "node:crypto";
import { SecretBox } from "../core/crypto/secretBox.js";
import { createLogger } from "../core/log/logger.js";
import { createOkrServices } from "../core/okr/okrService.js";
import { Store } from "../core/store/store.js";
import { loadConnectorRegistry } from "../sync/connectors/registry.js";
import { ConnectorRunner } from "../sync/engine/connectorRunner.js";
import { Semaphore } from "../sync/engine/semaphore.js";
import { createIntegrations } from "../sync/integrations.js";
import { LoopbackJson } from "../tests/support/loopbackJson.js";
import { seedLinkedKeyResults } from "../tests/support/syncFixtures.js";
import type { BenchContext } from "./support.js";

/**
 * bench/sync: one sync run of N due links (Web JSON) against a loopback server that answers after
 * a fixed latency L, with the connection limited to C fetches at once. The ideal is C/L fetches a
 * second. Printed: links synced per second against C/L (target ≥ 90 % at 10k links), the fetch
 * rate against C/L (how busy the C connections were kept), store round trips (every command the
 * driver sends) per 100 links, the dedupe ratio (links per fetch: 10 % of the links share a source
 * with another link), the run's phases, and where the store time went by collection and command.
 * 1 % of the values change (`--changed`, in percent; each becomes a check-in); the rest only move
 * their schedule.
 *
 * `npm run bench sync -- [--latency=50] [--concurrency=8] [--changed=1] [--runs=1] [--sync-small] [--sync-100k] [--n=10000,…]`
 * (default 1k and 10k; `--sync-small`: 1k only; `--sync-100k` adds 100k; `--n`: exactly these sizes).
 */
export default async function syncBench({ mongoUri, args }: BenchContext): Promise<void> {
  const arg = (name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
  const latencyMs = arg("latency", 50);
  const concurrency = arg("concurrency", 8);
  const runs = arg("runs", 1);
  const changedPercent = arg("changed", 1);
  const chosen = args.find((a) => a.startsWith("--n="))?.slice(4).split(",").map(Number);
  const sizes = chosen ?? (args.includes("--sync-small") ? [1_000] : [1_000, 10_000, ...(args.includes("--sync-100k") ? [100_000] : [])]);
  const ideal = concurrency / (latencyMs / 1000);
  console.log(`loopback Web JSON source: latency L = ${latencyMs} ms, connection concurrency C = ${concurrency}; ideal C/L = ${ideal.toFixed(0)} fetches/s`);

  for (const n of sizes) {
    // The machine is shared: what its CPUs allow right now, measured next to each size.
    const alone = await fetchesAlone(latencyMs, concurrency, 2_000);
    console.log(`baseline: the same fetches without the engine or a store: ${alone.toFixed(0)}/s = ${pct(alone / ideal)} of C/L on this machine now`);
    const ratios: number[] = [];
    for (let run = 1; run <= runs; run += 1) {
      const measured = await measure(mongoUri, n, latencyMs, concurrency, changedPercent);
      const seconds = measured.ms / 1000;
      const { report } = measured;
      const linkRate = report.claimed / seconds;
      const fetchRate = report.fetches / seconds;
      ratios.push(linkRate / ideal);
      const phase = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      console.log(`N = ${n.toLocaleString("en")} links${runs > 1 ? `, run ${run} of ${runs}` : ""}: ${report.claimed} synced (${report.changed} changed, ${report.failed} failed) in ${seconds.toFixed(1)} s`);
      console.log(`  links/s ${linkRate.toFixed(0)} vs C/L ${ideal.toFixed(0)}: ${pct(linkRate / ideal)}; fetches/s ${fetchRate.toFixed(0)}: ${pct(fetchRate / ideal)} of C/L (peak in flight at the source: ${measured.peakInFlight})`);
      console.log(`  dedupe ratio ${(report.claimed / Math.max(1, report.fetches)).toFixed(2)} links per fetch (${report.fetches} fetches)`);
      console.log(`  CPU of this process (engine, driver and the loopback source): ${phase(measured.cpuMs)} = ${pct(measured.cpuMs / measured.ms)} of one core`);
      console.log(`  store round trips: ${measured.roundTrips} = ${((measured.roundTrips / Math.max(1, report.claimed)) * 100).toFixed(1)} per 100 links (check-ins included)`);
      console.log(
        `  phases: reading links and states ${phase(report.findingMs)} (earlier batches sync meanwhile), of which claiming ${phase(report.claimingMs)}; start to last fetch ${phase(report.fetchingMs)}, after the last fetch ${phase(measured.ms - report.fetchingMs)}`,
      );
      const kinds = [...measured.kinds.entries()].sort((a, b) => b[1].ms - a[1].ms);
      console.log(`  store time by command (concurrent calls overlap; writes queue behind each other on FerretDB):`);
      for (const [kind, { n: calls, ms }] of kinds.slice(0, 12)) console.log(`    ${kind}: ${calls} × ${(ms / calls).toFixed(1)} ms = ${phase(ms)}`);
    }
    if (runs > 1) {
      const sorted = [...ratios].sort((a, b) => a - b);
      console.log(`N = ${n.toLocaleString("en")}: links/s vs C/L over ${runs} runs: best ${pct(sorted.at(-1)!)}, median ${pct(sorted[Math.floor(runs / 2)]!)}, worst ${pct(sorted[0]!)}`);
    }
  }
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;

async function measure(mongoUri: string, n: number, latencyMs: number, concurrency: number, changedPercent: number) {
  const store = Store.open({ uri: mongoUri, dbName: `bench_sync_${randomUUID().slice(0, 8)}` });
  await store.prepare();
  const counter = countRoundTrips(store);
  const log = createLogger("silent");
  const okr = createOkrServices(store);
  const integrations = await createIntegrations({
    store,
    secrets: new SecretBox([randomBytes(32)]),
    okr,
    log,
    owner: "bench",
    engine: { connectionConcurrency: concurrency, orgConcurrency: concurrency * 2, maxPerRun: n },
  });
  const source = await new LoopbackJson().start();
  try {
    source.latencyMs = latencyMs;
    const distinct = Math.ceil(n * 0.9);
    for (let i = 0; i < distinct; i += 1) source.values.set(`/v/${i}`, i);
    await seedLinkedKeyResults({
      store,
      okr,
      integrations: integrations.service,
      baseUrl: source.url,
      count: n,
      pathOf: (i) => `/v/${i % distinct}`,
      // Every (100 / changedPercent)-th link has no value yet: its fetch changes it.
      lastValueOf: (i) => (changedPercent > 0 && i % Math.round(100 / changedPercent) === 0 ? null : i % distinct),
    });
    counter.counting = true;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const report = await integrations.engine.runDue(undefined, new Date());
    const ms = performance.now() - started;
    const cpuMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpu));
    counter.counting = false;
    return { report, ms, cpuMs, roundTrips: counter.count, kinds: counter.kinds, peakInFlight: source.peakInFlight };
  } finally {
    await source.stop();
    await store.db.dropDatabase().catch(() => undefined);
    await store.close();
  }
}

/** Fetches per second of the Web JSON connector alone (same runner, same limit C), no store: what this machine allows. */
async function fetchesAlone(latencyMs: number, concurrency: number, count: number): Promise<number> {
  const log = createLogger("silent");
  const webjson = (await loadConnectorRegistry(log)).get("webjson")!;
  const runner = new ConnectorRunner(log);
  const slots = new Semaphore(concurrency);
  const source = await new LoopbackJson().start();
  try {
    source.latencyMs = latencyMs;
    for (let i = 0; i < count; i += 1) source.values.set(`/v/${i}`, i);
    const started = performance.now();
    await Promise.all(Array.from({ length: count }, (_, i) => slots.use(() => runner.fetchValue(webjson, { baseUrl: source.url }, {}, { path: `/v/${i}`, valuePath: "value" }))));
    return (count / (performance.now() - started)) * 1000;
  } finally {
    await source.stop();
  }
}

const STORE_CALLS = new Set([
  "find", "findOne", "countDocuments", "aggregate", "insertOne", "insertMany", "updateOne", "updateMany", "replaceOne",
  "deleteOne", "deleteMany", "findOneAndUpdate", "findOneAndReplace", "findOneAndDelete", "bulkWrite",
]);

/**
 * Counts store calls (each is one round trip; a large find's extra getMore batches are not
 * counted) and the time each kind takes (a find's until its cursor's `toArray` ends), by wrapping
 * every collection the services take from the store. Must be installed before they are built.
 */
function countRoundTrips(store: Store): { count: number; counting: boolean; kinds: Map<string, { n: number; ms: number }> } {
  const counter = { count: 0, counting: false, kinds: new Map<string, { n: number; ms: number }>() };
  const timed = <T>(kind: { ms: number }, started: number, result: Promise<T>) => result.finally(() => (kind.ms += performance.now() - started));
  const original = store.collection.bind(store);
  (store as unknown as { collection: Store["collection"] }).collection = ((name: string) =>
    new Proxy(original(name), {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof property !== "string" || !STORE_CALLS.has(property) || typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!counter.counting) return result;
          counter.count += 1;
          const key = `${name}.${property}`;
          let kind = counter.kinds.get(key);
          if (!kind) counter.kinds.set(key, (kind = { n: 0, ms: 0 }));
          kind.n += 1;
          const started = performance.now();
          if (result instanceof Promise) return timed(kind, started, result);
          // A cursor (find, aggregate): timed until its documents are read.
          const cursor = result as { toArray?: () => Promise<unknown[]> };
          if (typeof cursor.toArray === "function") {
            const toArray = cursor.toArray.bind(cursor);
            cursor.toArray = () => timed(kind, started, toArray());
          }
          return result;
        };
      },
    })) as Store["collection"];
  return counter;
}
