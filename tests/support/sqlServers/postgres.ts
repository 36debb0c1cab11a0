import { randomBytes } from "node:crypto";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { TestCertificates } from "./certificates.js";
import { findBinary, freePort, handOver, runAs, serverUser, spawnAs, stop, waitUntilReady } from "./processes.js";

/**
 * Real PostgreSQL servers for the integration tests, from Debian's `postgresql` package: one
 * cluster is initialised once, then copied so two servers start from it: one with TLS (the test
 * certificates) and one without, for "TLS required but the server has none".
 */
export interface RunningPostgres {
  /** postgres://postgres:…@localhost:port/postgres (the superuser, over TCP with a password). */
  adminUrl: string;
  /** Port of the copy that runs without TLS. */
  plainPort: number;
  stop(): Promise<void>;
}

const BINARIES = "/usr/lib/postgresql/*/bin/";

export async function startPostgres(dir: string, certs: TestCertificates): Promise<RunningPostgres> {
  const initdb = findBinary([`${BINARIES}initdb`], "postgresql");
  const postgres = findBinary([`${BINARIES}postgres`], "postgresql");
  const user = await serverUser("postgres");
  const password = randomBytes(12).toString("hex");
  const tlsDir = path.join(dir, "tls");
  const data = path.join(dir, "data");
  await mkdir(tlsDir, { mode: 0o700 });
  await writeFile(path.join(dir, "pwfile"), password);
  // PostgreSQL insists that its key is owned by the server's user and private.
  await copyFile(certs.certFile, path.join(tlsDir, "server.pem"));
  await copyFile(certs.keyFile, path.join(tlsDir, "server.key"));
  await handOver(user, dir, tlsDir, path.join(dir, "pwfile"), path.join(tlsDir, "server.pem"), path.join(tlsDir, "server.key"));
  await runAs(user, initdb, ["-D", data, "-U", "postgres", "--pwfile", path.join(dir, "pwfile"), "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]);
  const plainData = path.join(dir, "data-plain");
  // cp -a keeps the owner and the 0700 mode PostgreSQL demands of a data directory.
  await runAs(undefined, "cp", ["-a", data, plainData]);

  const start = async (dataDir: string, tls: boolean) => {
    const port = await freePort();
    const child = spawnAs(user, postgres, [
      "-D", dataDir, "-p", String(port), "-k", dataDir, "-c", "listen_addresses=localhost",
      "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "shared_buffers=16MB", "-c", "max_connections=60",
      ...(tls ? ["-c", "ssl=on", "-c", `ssl_cert_file=${path.join(tlsDir, "server.pem")}`, "-c", `ssl_key_file=${path.join(tlsDir, "server.key")}`] : ["-c", "ssl=off"]),
    ]);
    const url = `postgres://postgres:${password}@localhost:${port}/postgres`;
    await waitUntilReady(`PostgreSQL (${dataDir})`, child, async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      try {
        await client.connect();
        await client.query("SELECT 1");
      } finally {
        await client.end().catch(() => undefined);
      }
    });
    return { child, port, url };
  };
  const [withTls, plain] = await Promise.all([start(data, true), start(plainData, false)]);
  return {
    adminUrl: withTls.url,
    plainPort: plain.port,
    // SIGINT is PostgreSQL's "fast shutdown": ends sessions and exits cleanly.
    stop: async () => void (await Promise.all([stop(withTls.child, "SIGINT"), stop(plain.child, "SIGINT")])),
  };
}
