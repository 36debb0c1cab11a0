import { secretBoxFor } from "../core/crypto/secretBox.js";
import { IntegrationStore } from "../core/integrations/integrationStore.js";
import { resealAndReport, SecretResealer } from "../core/integrations/secretResealer.js";
import { createLogger } from "../core/log/logger.js";
import { connectStore } from "../core/store/connectStore.js";
import { loadConfigOrExit } from "./cli.js";

/**
 * `npm run reseal`: re-seals every stored secret under the first key of PACER_SECRET_KEY and logs
 * whether an old key can be removed (the sync role does the same at each start). Exits 0 when no
 * secret is left under an old or a missing key, 1 otherwise.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL);
  if (!config.PACER_SECRET_KEY) log.warn("PACER_SECRET_KEY is unset: using the generated development key from the data folder");
  const box = await secretBoxFor(config.PACER_SECRET_KEY, config.dataDir);
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  const connected = await connectStore(config, log);
  try {
    const resealer = new SecretResealer(new IntegrationStore(connected.store).connections, box);
    const report = await resealAndReport(resealer, log, { signal: stop.signal });
    process.exitCode = report.underOldKeys + report.unopenable + report.failed.length === 0 ? 0 : 1;
  } finally {
    await connected.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`The re-seal pass failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
