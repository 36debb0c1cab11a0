import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface FerretDbProcessOptions {
  bin: string;
  /** Folder holding the SQLite databases, FerretDB's state file, its log and pid file. */
  dataDir: string;
  /** Loopback port; a free one is picked when omitted. */
  port?: number;
  /** Restart FerretDB when it exits on its own (the embedded default does; tests that kill it on purpose may not). */
  restartOnExit?: boolean;
  log?: (level: "info" | "warn" | "error", message: string) => void;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A FerretDB (SQLite backend) child process on a loopback port, started, watched and stopped by Pacer. */
export class FerretDbProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private constructor(
    private readonly options: FerretDbProcessOptions,
    readonly port: number,
  ) {}

  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(options: FerretDbProcessOptions): Promise<FerretDbProcess> {
    await mkdir(options.dataDir, { recursive: true });
    await killOrphan(options.dataDir);
    const instance = new FerretDbProcess(options, options.port ?? (await freeLoopbackPort()));
    await instance.launch();
    return instance;
  }

  private async launch(): Promise<void> {
    const { bin, dataDir } = this.options;
    const logFd = openSync(path.join(dataDir, "ferretdb.log"), "a");
    const child = spawn(
      bin,
      [
        "--handler=sqlite",
        `--sqlite-url=file:${dataDir}/`,
        `--listen-addr=127.0.0.1:${this.port}`,
        `--state-dir=${dataDir}`,
        "--debug-addr=",
        "--telemetry=disable",
        "--log-level=warn",
      ],
      { stdio: ["ignore", logFd, logFd] },
    );
    closeSync(logFd);
    this.child = child;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      if (this.child === child) this.child = undefined;
      void rm(pidFile(dataDir), { force: true });
      if (!this.stopping && this.options.restartOnExit) void this.restartLater(code, signal);
    });
    child.once("error", (error) => this.options.log?.("error", `FerretDB could not be started: ${error.message}`));
    if (child.pid) await writeFile(pidFile(dataDir), String(child.pid));

    const deadline = Date.now() + 30_000;
    while (!(await canConnect(this.port))) {
      if (exited) {
        throw new Error(
          `FerretDB exited during start-up (code ${exited.code}, signal ${exited.signal}); see ${path.join(dataDir, "ferretdb.log")}`,
        );
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`FerretDB did not accept connections on 127.0.0.1:${this.port} within 30 s`);
      }
      await sleep(50);
    }
  }

  private async restartLater(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.restarts, 6));
    this.restarts += 1;
    this.options.log?.("warn", `FerretDB stopped (code ${code}, signal ${signal}); restarting in ${delay} ms`);
    await sleep(delay);
    if (this.stopping) return;
    try {
      await this.launch();
      this.restarts = 0;
      this.options.log?.("info", "FerretDB is back");
    } catch (error) {
      this.options.log?.("error", `FerretDB restart failed: ${(error as Error).message}`);
      if (!this.stopping && !this.child) void this.restartLater(null, null);
    }
  }

  /** Kills the process without stopping supervision: what a crash looks like. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Starts it again on the same port after `kill` (tests of recovery). */
  async restart(): Promise<void> {
    if (!this.child) await this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

const pidFile = (dataDir: string) => path.join(dataDir, "ferretdb.pid");

/** A FerretDB left behind by a Pacer that was killed outright would hold the data folder: stop it. */
async function killOrphan(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(pidFile(dataDir), "utf8"), 10);
  } catch {
    return;
  }
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
    if (cmdline.includes("ferretdb") && cmdline.includes(dataDir)) process.kill(pid, "SIGKILL");
  } catch {
    // Not running any more (or not Linux): nothing to stop.
  }
  await rm(pidFile(dataDir), { force: true });
}
