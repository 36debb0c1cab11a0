import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";

/**
 * What the test database servers share: finding Debian's binaries (or saying which package to
 * install), running them as the server's own OS user when the tests run as root (PostgreSQL and
 * MariaDB refuse root), free loopback ports, waiting until a server answers, and stopping it.
 */
const run = promisify(execFile);

export class MissingServerBinary extends Error {}

/** The first existing path among candidates (globs over one `*` directory level are expanded). */
export function findBinary(candidates: string[], debianPackage: string): string {
  for (const candidate of candidates) {
    const star = candidate.indexOf("*");
    if (star < 0) {
      if (existsSync(candidate)) return candidate;
      continue;
    }
    const parent = candidate.slice(0, star);
    const rest = candidate.slice(candidate.indexOf("/", star));
    if (!existsSync(parent)) continue;
    // Newest version first (e.g. /usr/lib/postgresql/16 before 15).
    const versions = readdirSync(parent).sort((a, b) => b.localeCompare(a, "en", { numeric: true }));
    for (const version of versions) {
      const found = path.join(parent, version, rest);
      if (existsSync(found)) return found;
    }
  }
  throw new MissingServerBinary(
    `None of ${candidates.join(", ")} exists. Install Debian's ${debianPackage} package (apt-get install ${debianPackage}); .ci/run does this.`,
  );
}

export interface OsUser {
  uid: number;
  gid: number;
}

/** When running as root, the OS user a server must run as; otherwise undefined (run as ourselves). */
export async function serverUser(name: string): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile("/etc/passwd", "utf8");
  const line = passwd.split("\n").find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`The OS user ${name} does not exist; the Debian server package creates it.`);
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Gives paths to the server's user (no-op when not root). */
export async function handOver(user: OsUser | undefined, ...paths: string[]): Promise<void> {
  if (user) await Promise.all(paths.map((p) => chown(p, user.uid, user.gid)));
}

export async function runAs(user: OsUser | undefined, bin: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  try {
    const { stdout } = await run(bin, args, { ...options, ...user, env: { ...process.env, LC_ALL: "C" } });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${path.basename(bin)} ${args.join(" ")} failed: ${stderr || stdout || (error as Error).message}`);
  }
}

export function spawnAs(user: OsUser | undefined, bin: string, args: string[]): ChildProcess {
  const child = spawn(bin, args, { ...user, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(chunk.toString()) > 200 && output.shift();
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  (child as ChildProcess & { output: string[] }).output = output;
  return child;
}

export const outputOf = (child: ChildProcess) => ((child as ChildProcess & { output?: string[] }).output ?? []).join("").slice(-4_000);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `ready` until it resolves, failing early (with the server's output) when the process exits. */
export async function waitUntilReady(name: string, child: ChildProcess, ready: () => Promise<unknown>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited during start-up:\n${outputOf(child)}`);
    try {
      await ready();
      return;
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${name} did not accept connections within ${timeoutMs} ms (${(last as Error)?.message}):\n${outputOf(child)}`);
}

/** Asks a server to shut down (its own clean-shutdown signal), then kills it if it has not left in time. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
