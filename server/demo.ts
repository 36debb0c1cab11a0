import { createLogger } from "../core/log/logger.js";
import { loadDemoOrganization } from "../core/okr/demo/demoOrganization.js";
import { connectStore } from "../core/store/connectStore.js";
import { loadConfigOrExit } from "./cli.js";

/** `npm run demo`: loads the demo organisation into the configured store (idempotent), then exits. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL);
  const connected = await connectStore(config, log);
  try {
    await connected.store.prepare();
    const { inserted } = await loadDemoOrganization(connected.store);
    log.info({ inserted }, inserted > 0 ? "demo organisation loaded" : "demo organisation already complete");
  } finally {
    await connected.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Loading the demo failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
