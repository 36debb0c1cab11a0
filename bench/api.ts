import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseConfig } from "../core/config/config.js";
import { createLogger } from "../core/log/logger.js";
import { startPacer } from "../server/pacer.js";
import { perSecond, ratio, timed, type BenchContext } from "./support.js";

/**
 * Cost of an authenticated API call (token check, caller resolution from the store) against
 * /healthz on the same server, which touches neither.
 */
export default async function apiBench({ mongoUri }: BenchContext): Promise<void> {
  const config = parseConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    MONGODB_URI: mongoUri,
    MONGODB_DB: "bench_api",
    PACER_DEV_AUTH: "1",
    PACER_ROLE: "web",
    PACER_DATA_DIR: await mkdtemp(path.join(os.tmpdir(), "pacer-bench-api-")),
  });
  const pacer = await startPacer(config, createLogger("silent"));
  await pacer.store.prepare();
  const token = await pacer.authenticator.dev!.issue({});
  const headers = { authorization: `Bearer ${token}` };
  await fetch(`${pacer.url}/api/v1/me`, { headers });

  const count = 1_000;
  const concurrency = 10;
  const health = await timed(count, concurrency, async () => (await fetch(`${pacer.url}/healthz`)).arrayBuffer());
  const me = await timed(count, concurrency, async () => (await fetch(`${pacer.url}/api/v1/me`, { headers })).arrayBuffer());
  console.log(`${count} requests at concurrency ${concurrency}:`);
  console.log(`  GET /healthz (baseline):        ${perSecond(count, health)}/s`);
  console.log(`  GET /api/v1/me (auth + 2 reads): ${perSecond(count, me)}/s = ${ratio(health, me)} of baseline throughput`);
  await pacer.close();
}
