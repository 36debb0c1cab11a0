import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { makeTestCertificates } from "./sqlServers/certificates.js";
import { startMariaDb } from "./sqlServers/mariadb.js";
import { startPostgres } from "./sqlServers/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser of a real PostgreSQL with TLS (certificate for `localhost`, signed by `sqlTestCa`). */
    postgresAdminUrl: string;
    /** A second PostgreSQL, same superuser, without TLS. */
    postgresPlainPort: number;
    /** An all-privileges login of a real MariaDB with TLS (same certificate). */
    mariadbAdminUrl: string;
    /** A second MariaDB without TLS. */
    mariadbPlainPort: number;
    /** The PEM of the throw-away CA that signed both servers' certificate. */
    sqlTestCa: string;
  }
}

/**
 * Real PostgreSQL and MariaDB servers for the SQL connectors' integration tests, started once per
 * run on loopback in a throw-away folder, each with a TLS and a plain twin. Missing binaries fail
 * the run naming the Debian package; the tests never skip.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pacer-test-sql-"));
  // The servers run as their own OS users (when we are root) and must get through to their folders.
  await chmod(dir, 0o711);
  const certs = await makeTestCertificates(dir);
  const pgDir = path.join(dir, "postgres");
  const mariaDir = path.join(dir, "mariadb");
  await Promise.all([mkdir(pgDir), mkdir(mariaDir)]);
  const [postgres, mariadb] = await Promise.allSettled([startPostgres(pgDir, certs), startMariaDb(mariaDir, certs)]);
  const teardown = async () => {
    await Promise.all([postgres, mariadb].map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
    await rm(dir, { recursive: true, force: true });
  };
  if (postgres.status === "rejected" || mariadb.status === "rejected") {
    await teardown();
    throw postgres.status === "rejected" ? postgres.reason : (mariadb as PromiseRejectedResult).reason;
  }
  project.provide("postgresAdminUrl", postgres.value.adminUrl);
  project.provide("postgresPlainPort", postgres.value.plainPort);
  project.provide("mariadbAdminUrl", mariadb.value.adminUrl);
  project.provide("mariadbPlainPort", mariadb.value.plainPort);
  project.provide("sqlTestCa", certs.caPem);
  return teardown;
}
