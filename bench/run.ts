import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startBenchStore, type BenchContext } from "./support.js";

/**
 * `npm run bench [name…]`: runs every `bench/<name>.ts` that default-exports
 * `async (context: BenchContext) => void`, one after another, on one FerretDB. Each benchmark
 * prints its figures as ratios against a baseline measured in the same run.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const files = (await readdir(here)).filter((f) => f.endsWith(".ts") && !["run.ts", "support.ts"].includes(f)).sort();
const store = await startBenchStore();
let failed = false;
try {
  for (const file of files) {
    const name = file.replace(/\.ts$/, "");
    if (only.length > 0 && !only.includes(name)) continue;
    const module = (await import(path.join(here, file))) as { default?: (context: BenchContext) => Promise<void> };
    if (typeof module.default !== "function") continue;
    console.log(`\n== bench/${name}`);
    try {
      await module.default({ ...store.context, args: process.argv.slice(2) });
    } catch (error) {
      failed = true;
      console.error(`bench/${name} failed:`, error);
    }
  }
} finally {
  await store.stop();
}
process.exit(failed ? 1 : 0);
