import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensureFerretDbBinary } from "../core/store/embedded/ferretDbBinary.js";
import { FerretDbProcess } from "../core/store/embedded/ferretDbProcess.js";

/** What the runner hands every benchmark: a running FerretDB (or MONGODB_URI) and the CLI arguments. */
export interface BenchContext {
  mongoUri: string;
  ferretDbBin: string;
  args: string[];
}

export async function startBenchStore(): Promise<{ context: Omit<BenchContext, "args">; stop(): Promise<void> }> {
  const ferretDbBin = await ensureFerretDbBinary({ explicitBin: process.env.PACER_FERRETDB_BIN, onProgress: console.log });
  if (process.env.MONGODB_URI) return { context: { mongoUri: process.env.MONGODB_URI, ferretDbBin }, stop: async () => {} };
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "pacer-bench-"));
  const ferret = await FerretDbProcess.start({ bin: ferretDbBin, dataDir });
  return {
    context: { mongoUri: ferret.uri, ferretDbBin },
    async stop() {
      await ferret.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `task` `count` times with at most `concurrency` at once; returns the elapsed milliseconds. */
export async function timed(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return performance.now() - started;
}

export const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);
export const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}×`;
