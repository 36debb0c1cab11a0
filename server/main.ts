import { createLogger } from "../core/log/logger.js";
import { startPacer } from "./pacer.js";
import { loadConfigOrExit } from "./cli.js";

/** `npm start`: parse the configuration, start Pacer, stop cleanly (embedded store included) on a signal. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL);
  const pacer = await startPacer(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    pacer.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`Pacer failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
