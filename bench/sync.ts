import { randomBytes, randomUUID } from "node:crypto";
import { SecretBox } from "../core/crypto/secretBox.js";
import { createLogger } from "../core/log/logger.js";
import { createOkrServices } from "../core/okr/okrService.js";
import { Store } from "../core/store/store.js";
import { createIntegrations } from "../sync/integrations.js";
import { LoopbackJson } from "../tests/support/loopbackJson.js";
import { seedLinkedKeyResults } from "../tests/support/syncFixtures.js";
import type { BenchContext } from "./support.js";

/**
 * bench/sync: one sync run of N due links (Web JSON) against a loopback server that answers after
 * a fixed latency L, with the connection limited to C fetches at once. The ideal is C/L fetches a
 * second; the figure is the measured fetch rate as a share of it (target ≥ 90 % at 10k links).
 * Also: links synced per second, store round trips (every command the driver sends) per 100 links,
 * and the dedupe ratio (links per fetch: 10 % of the links share a source with another link).
 * 1 % of the values changed (each becomes a check-in); the rest only move their schedule.
 *
 * `npm run bench sync -- --latency=50 --concurrency=8 [--sync-10k] [--sync-100k] [--sync-small]`
 */
export default async function syncBench({ mongoUri, args }: BenchContext): Promise<void> {
  const arg = (name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
  const latencyMs = arg("latency", 50);
  const concurrency = arg("concurrency", 8);
  let sizes = args.includes("--sync-small") ? [1_000] : [1_000, 10_000, ...(args.includes("--sync-100k") ? [100_000] : [])];
  // FerretDB v1 updates cost time proportional to the collection's size (~35–70 ms each at 10k
  // documents, measured), so a 10k run spends 20+ minutes writing outcomes: opt in there.
  const probe = Store.open({ uri: mongoUri, dbName: "bench_sync_probe" });
  await probe.prepare();
  const ferret = probe.writesSerialized;
  await probe.db.dropDatabase().catch(() => undefined);
  await probe.close();
  if (ferret && !args.includes("--sync-10k") && !args.includes("--sync-100k")) {
    sizes = sizes.filter((n) => n <= 1_000);
    console.log("FerretDB: running N = 1,000 only (add --sync-10k for 10,000; expect 20+ minutes of outcome writes)");
  }
  const ideal = concurrency / (latencyMs / 1000);
  console.log(`loopback Web JSON source: latency L = ${latencyMs} ms, connection concurrency C = ${concurrency}; ideal C/L = ${ideal.toFixed(0)} fetches/s`);

  for (const n of sizes) {
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
      engine: { connectionConcurrency: concurrency, orgConcurrency: concurrency * 2, chunkSize: 5_000, leaseMs: 30 * 60_000 },
    });
    const source = await new LoopbackJson().start();
    source.latencyMs = latencyMs;
    const distinct = Math.ceil(n * 0.9);
    for (let i = 0; i < distinct; i += 1) source.values.set(`/v/${i}`, i);
    const seeded = await seedLinkedKeyResults({
      store,
      okr,
      integrations: integrations.service,
      baseUrl: source.url,
      count: n,
      pathOf: (i) => `/v/${i % distinct}`,
      lastValueOf: (i) => (i % 100 === 0 ? null : i % distinct),
    });

    counter.counting = true;
    const started = performance.now();
    const report = await integrations.engine.runDue(undefined, new Date());
    const seconds = (performance.now() - started) / 1000;
    counter.counting = false;
    const roundTrips = counter.count;

    const fetchRate = report.fetches / seconds;
    console.log(`N = ${n.toLocaleString("en")} links (${seeded.links.length} seeded, ${report.claimed} synced, ${report.changed} changed, ${report.failed} failed) in ${seconds.toFixed(1)} s`);
    console.log(`  fetches/s ${fetchRate.toFixed(0)} vs ideal C/L ${ideal.toFixed(0)}: ${((fetchRate / ideal) * 100).toFixed(1)} % (peak in flight at the source: ${source.peakInFlight})`);
    console.log(`  fetching took ${(report.fetchingMs / 1000).toFixed(1)} s of ${seconds.toFixed(1)} s (the rest: writing outcomes)`);
    console.log(`  links/s ${(report.claimed / seconds).toFixed(0)}; dedupe ratio ${(report.claimed / Math.max(1, report.fetches)).toFixed(2)} links per fetch (${report.fetches} fetches)`);
    console.log(`  store round trips: ${roundTrips} = ${((roundTrips / Math.max(1, report.claimed)) * 100).toFixed(1)} per 100 links (check-ins included)`);
    await source.stop();
    await store.db.dropDatabase().catch(() => undefined);
    await store.close();
  }
}

const STORE_CALLS = new Set([
  "find", "findOne", "countDocuments", "aggregate", "insertOne", "insertMany", "updateOne", "updateMany", "replaceOne",
  "deleteOne", "deleteMany", "findOneAndUpdate", "findOneAndReplace", "findOneAndDelete", "bulkWrite",
]);

/**
 * Counts store calls (each is one round trip; a bulkWrite of 50 updates is one, a large find's
 * extra getMore batches are not counted) by wrapping every collection the services take from
 * the store. Must be installed before the services are built.
 */
function countRoundTrips(store: Store): { count: number; counting: boolean } {
  const counter = { count: 0, counting: false };
  const original = store.collection.bind(store);
  (store as unknown as { collection: Store["collection"] }).collection = ((name: string) =>
    new Proxy(original(name), {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof property !== "string" || !STORE_CALLS.has(property) || typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (counter.counting) counter.count += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    })) as Store["collection"];
  return counter;
}
