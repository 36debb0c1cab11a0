import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const FERRETDB_MODULE = "github.com/FerretDB/FerretDB";
export const FERRETDB_VERSION = "v1.24.2";

export class FerretDbUnavailableError extends Error {
  override name = "FerretDbUnavailableError";
}

/** Where the built binary is kept between runs: `$PACER_CACHE_DIR`, else `$XDG_CACHE_HOME/pacer`, else `~/.cache/pacer`. */
export function ferretDbCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PACER_CACHE_DIR) return path.resolve(env.PACER_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "pacer");
}

/** A regular file with an execute bit (root passes `access(X_OK)` for almost anything, so look at the mode). */
async function isExecutable(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    return info.isFile() && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Returns a runnable FerretDB v1.24.2, building it once when needed.
 *
 * Why not plain `go install …/cmd/ferretdb@v1.24.2`: the module as published lacks the generated
 * `build/version/version.txt`, so that binary panics at start-up ("Invalid build/version/version.txt").
 * We therefore download the same module through the Go proxy, add the version file its own build
 * task would write, and `go build` its `cmd/ferretdb`: the upstream code, unchanged.
 */
export async function ensureFerretDbBinary(options: {
  explicitBin?: string | undefined;
  cacheDir?: string;
  onProgress?: (message: string) => void;
}): Promise<string> {
  if (options.explicitBin) {
    if (await isExecutable(options.explicitBin)) return options.explicitBin;
    throw new FerretDbUnavailableError(`PACER_FERRETDB_BIN points to ${options.explicitBin}, which is not an executable file.`);
  }
  const binDir = path.join(options.cacheDir ?? ferretDbCacheDir(), "bin");
  const target = path.join(binDir, `ferretdb-${FERRETDB_VERSION}`);
  if (await isExecutable(target)) return target;

  try {
    await run("go", ["version"]);
  } catch {
    throw new FerretDbUnavailableError(
      `FerretDB ${FERRETDB_VERSION} is not built yet and Go is not installed to build it. ` +
        "Install Go 1.22 or newer (Debian: apt-get install golang-go; else https://go.dev/dl/), " +
        "or set MONGODB_URI to an existing MongoDB (Atlas, Cosmos DB for MongoDB, self-hosted).",
    );
  }

  options.onProgress?.(`Building FerretDB ${FERRETDB_VERSION} once with Go into ${binDir} (about a minute)…`);
  await mkdir(binDir, { recursive: true });
  const work = await mkdtemp(path.join(os.tmpdir(), "pacer-ferretdb-"));
  try {
    const goEnv = { ...process.env, GOFLAGS: "-mod=mod", CGO_ENABLED: "0" };
    const { stdout } = await run("go", ["mod", "download", "-json", `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
      env: goEnv,
      maxBuffer: 16 * 1024 * 1024,
    });
    const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new Error("go mod download did not report the module folder");
    const src = path.join(work, "src");
    await cp(moduleDir, src, { recursive: true, mode: 0 });
    await run("chmod", ["-R", "u+w", src]);
    await writeFile(path.join(src, "build", "version", "version.txt"), `${FERRETDB_VERSION}\n`);
    const built = path.join(binDir, `.ferretdb-${process.pid}-${Date.now()}`);
    await run("go", ["build", "-trimpath", "-o", built, "./cmd/ferretdb"], {
      cwd: src,
      env: goEnv,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 15 * 60_000,
    });
    // Atomic: a parallel build by another process simply replaces an identical file.
    await rename(built, target);
    options.onProgress?.(`FerretDB ${FERRETDB_VERSION} is ready at ${target}.`);
    return target;
  } catch (error) {
    if (error instanceof FerretDbUnavailableError) throw error;
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new FerretDbUnavailableError(
      `Building FerretDB ${FERRETDB_VERSION} with Go failed: ${detail}. ` +
        "Check that the Go module proxy is reachable, or set MONGODB_URI to an existing MongoDB.",
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
