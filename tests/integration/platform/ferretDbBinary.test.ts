import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureFerretDbBinary, FerretDbUnavailableError } from "../../../core/store/embedded/ferretDbBinary.js";

describe("finding or building FerretDB", () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it("says exactly what to install, or to set MONGODB_URI, when neither FerretDB nor Go is there", async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), "pacer-nogo-"));
    process.env.PATH = "/nonexistent";
    const failure = ensureFerretDbBinary({ cacheDir });
    await expect(failure).rejects.toBeInstanceOf(FerretDbUnavailableError);
    await expect(failure).rejects.toThrow(/Install Go 1\.22 or newer .*or set MONGODB_URI/);
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("uses a binary already in the cache without Go", async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), "pacer-cached-"));
    const bin = path.join(cacheDir, "bin", "ferretdb-v1.24.2");
    await mkdir(path.dirname(bin), { recursive: true });
    await writeFile(bin, "#!/bin/sh\n", { mode: 0o755 });
    process.env.PATH = "/nonexistent";
    expect(await ensureFerretDbBinary({ cacheDir })).toBe(bin);
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("refuses a PACER_FERRETDB_BIN that is missing or not executable", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pacer-bin-"));
    const plain = path.join(dir, "ferretdb");
    await writeFile(plain, "not a program", { mode: 0o644 });
    await expect(ensureFerretDbBinary({ explicitBin: plain })).rejects.toThrow(`PACER_FERRETDB_BIN points to ${plain}`);
    await expect(ensureFerretDbBinary({ explicitBin: path.join(dir, "missing") })).rejects.toBeInstanceOf(FerretDbUnavailableError);
    await rm(dir, { recursive: true, force: true });
  });
});
