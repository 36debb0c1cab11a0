import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");

/** Runs `server/main.ts` as `npm start` does, with only the given environment (plus PATH/HOME). */
function startMain(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the Pacer process", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("refuses a bad configuration, listing every problem, with exit code 78", async () => {
    const run = startMain({ PORT: "http", PACER_ROLE: "both", NODE_ENV: "production", PACER_DEV_AUTH: "1" });
    expect(await run.exited).toBe(78);
    const text = run.output();
    for (const expected of ["PORT:", "PACER_ROLE:", "BOT_ID: required in production", "PACER_DEV_AUTH: dev sign-in is refused", "PACER_SECRET_KEY: required", "AAD_APP_CLIENT_ID: required", "TAB_ENDPOINT: required"]) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/configuration has 7 problem\(s\)/);
  });

  it("starts on the embedded FerretDB, becomes ready, and stops FerretDB with itself", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "pacer-main-"));
    dirs.push(dataDir);
    const run = startMain({ PORT: "0", HOST: "127.0.0.1", PACER_DATA_DIR: dataDir, PACER_FERRETDB_BIN: inject("ferretDbBin") });
    try {
      const port = await waitFor(async () => /"port":(\d+)/.exec(run.output())?.[1]);
      await waitFor(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined));
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: "ok" });
      const ferretPid = Number(await readFile(path.join(dataDir, "ferretdb", "ferretdb.pid"), "utf8"));
      expect(alive(ferretPid)).toBe(true);
      expect(existsSync(path.join(dataDir, "dev-secret.key"))).toBe(true);

      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(0);
      expect(alive(ferretPid)).toBe(false);
    } finally {
      run.child.kill("SIGKILL");
    }
  });
});
