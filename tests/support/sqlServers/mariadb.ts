import { randomBytes } from "node:crypto";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import mysql from "mysql2/promise";
import type { TestCertificates } from "./certificates.js";
import { findBinary, freePort, handOver, runAs, serverUser, spawnAs, stop, waitUntilReady } from "./processes.js";

/**
 * Real MariaDB servers for the integration tests, from Debian's `mariadb-server` package: the
 * system tables are created once, then copied so two servers start from them: one with TLS (the
 * test certificates) and one without. Each listens on 127.0.0.1 only, its socket in the temp dir.
 */
export interface RunningMariaDb {
  /** mysql://pacer_admin:…@localhost:port/ (all privileges, over TCP with a password). */
  adminUrl: string;
  plainPort: number;
  stop(): Promise<void>;
}

export async function startMariaDb(dir: string, certs: TestCertificates): Promise<RunningMariaDb> {
  const installDb = findBinary(["/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"], "mariadb-server");
  const mariadbd = findBinary(["/usr/sbin/mariadbd", "/usr/sbin/mysqld"], "mariadb-server");
  const user = await serverUser("mysql");
  const password = randomBytes(12).toString("hex");
  const data = path.join(dir, "data");
  const tlsDir = path.join(dir, "tls");
  await mkdir(tlsDir);
  for (const name of ["server.pem", "server.key", "ca.pem"]) await copyFile(name === "ca.pem" ? certs.caFile : name === "server.pem" ? certs.certFile : certs.keyFile, path.join(tlsDir, name));
  await handOver(user, dir, tlsDir, ...["server.pem", "server.key", "ca.pem"].map((n) => path.join(tlsDir, n)));
  await runAs(user, installDb, ["--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"], { cwd: dir });
  const plainData = path.join(dir, "data-plain");
  await runAs(undefined, "cp", ["-a", data, plainData]);

  const start = async (name: string, dataDir: string, tls: boolean) => {
    const port = await freePort();
    const socket = path.join(dir, `${name}.sock`);
    const child = spawnAs(user, mariadbd, [
      "--no-defaults", `--datadir=${dataDir}`, `--socket=${socket}`, `--port=${port}`, "--bind-address=127.0.0.1", `--pid-file=${path.join(dir, `${name}.pid`)}`,
      "--skip-name-resolve", "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--skip-log-bin", "--log-error=" + path.join(dir, `${name}.err`),
      ...(tls ? [`--ssl-ca=${path.join(tlsDir, "ca.pem")}`, `--ssl-cert=${path.join(tlsDir, "server.pem")}`, `--ssl-key=${path.join(tlsDir, "server.key")}`] : ["--skip-ssl"]),
    ]);
    await waitUntilReady(`MariaDB (${dataDir})`, child, async () => {
      const root = await mysql.createConnection({ socketPath: socket, user: "root", connectTimeout: 2_000 });
      await root.end();
    });
    // root may only use the socket; the tests get an admin that logs in over TCP with a password.
    const root = await mysql.createConnection({ socketPath: socket, user: "root" });
    await root.query("CREATE USER IF NOT EXISTS 'pacer_admin'@'%' IDENTIFIED BY ?", [password]);
    await root.query("GRANT ALL PRIVILEGES ON *.* TO 'pacer_admin'@'%' WITH GRANT OPTION");
    await root.end();
    return { child, port };
  };
  const [withTls, plain] = await Promise.all([start("tls", data, true), start("plain", plainData, false)]);
  return {
    adminUrl: `mysql://pacer_admin:${password}@localhost:${withTls.port}/`,
    plainPort: plain.port,
    stop: async () => void (await Promise.all([stop(withTls.child, "SIGTERM"), stop(plain.child, "SIGTERM")])),
  };
}
