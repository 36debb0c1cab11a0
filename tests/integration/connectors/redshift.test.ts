import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import redshift, { redshiftServerLine } from "../../../sync/connectors/redshift/index.js";
import { IdlePools } from "../../../sync/sql/idlePools.js";
import { pgEngine } from "../../../sync/sql/pgEngine.js";
import { createPostgresFixture, type PostgresFixture, postgresProbes } from "./postgresFixture.js";
import { describeSqlConnector } from "./sqlConnectorSuite.js";
import { describeSqlLinkFlow } from "./sqlLinkFlow.js";

/**
 * The "redshift" connector. Redshift speaks PostgreSQL's protocol and accepts the same read-only
 * transaction, statement timeout and row-limited fetch, so its guards are proven against the real
 * PostgreSQL of the test run; only its defaults (port 5439) and its server line differ.
 */
let fixture: PostgresFixture;
beforeAll(async () => {
  fixture = await createPostgresFixture("rs");
});
afterAll(async () => {
  await fixture?.drop();
});

describeSqlConnector(() => ({
  engine: "Amazon Redshift",
  definition: redshift,
  engineWithPools(idleMs) {
    const pools = new IdlePools<pg.Pool>((pool) => pool.end(), idleMs);
    return { engine: pgEngine({ engine: "Amazon Redshift", pools }), pools };
  },
  ...fixture,
  ca: inject("sqlTestCa"),
  sql: {
    sleep5: "SELECT pg_sleep(5)",
    hugeResult: "SELECT a.g FROM generate_series(1, 10000) AS a(g), generate_series(1, 10000) AS b(g)",
    sneakyWrites: ["SELECT pacer_bump()"],
    syntaxPosition: /\(at line 3, column 6\)\.$/,
    nonNumericType: /text/,
  },
  ...postgresProbes(fixture),
}));

describe("Redshift specifics", () => {
  it("defaults to port 5439 and verify-full TLS", () => {
    const config = redshift.schemas.connectionConfig.parse({ host: "examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com", database: "dev", user: "pacer_reader" });
    expect(config).toMatchObject({ port: 5439, tls: "verify-full", statementTimeoutSeconds: 30 });
  });

  it("names Redshift's own version rather than the PostgreSQL 8.0.2 it reports", () => {
    expect(redshiftServerLine("PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.77467")).toBe("Redshift 1.0.77467");
    expect(redshiftServerLine("PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit")).toBe(
      "PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu",
    );
  });
});

describeSqlLinkFlow(() => ({
  integrationId: "redshift",
  config: { host: "localhost", port: fixture.port, database: fixture.database, user: fixture.reader.user, tls: "verify-full", caCertificate: inject("sqlTestCa") },
  password: fixture.reader.password,
  addOrder: async (id) => void (await fixture.admin("INSERT INTO orders VALUES ($1, 0, 0, 'added')", [id])),
  removeOrder: async (id) => void (await fixture.admin("DELETE FROM orders WHERE id = $1", [id])),
}));
