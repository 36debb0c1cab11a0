import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ensureFerretDbBinary } from "../../core/store/embedded/ferretDbBinary.js";
import { FerretDbProcess } from "../../core/store/embedded/ferretDbProcess.js";

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
    ferretDbBin: string;
  }
}

/**
 * One real FerretDB (SQLite backend) for the integration run, in a throw-away folder. With
 * MONGODB_URI set the tests use that server instead (e.g. to run them against MongoDB itself).
 */
export default async function setup(project: TestProject) {
  const bin = await ensureFerretDbBinary({
    explicitBin: process.env.PACER_FERRETDB_BIN,
    onProgress: (message) => console.log(message),
  });
  project.provide("ferretDbBin", bin);
  if (process.env.MONGODB_URI) {
    project.provide("mongoUri", process.env.MONGODB_URI);
    return;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "pacer-test-ferretdb-"));
  const ferret = await FerretDbProcess.start({ bin, dataDir });
  project.provide("mongoUri", ferret.uri);
  return async () => {
    await ferret.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
