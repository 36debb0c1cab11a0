import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import postgresql from "../../../sync/connectors/postgresql/index.js";
import { IdlePools } from "../../../sync/sql/idlePools.js";
import { pgEngine } from "../../../sync/sql/pgEngine.js";
import { createPostgresFixture, type PostgresFixture, postgresProbes } from "./postgresFixture.js";
import { describeSqlConnector } from "./sqlConnectorSuite.js";
import { describeSqlLinkFlow } from "./sqlLinkFlow.js";

/** The "postgresql" connector against a real PostgreSQL 15 (started by tests/support/globalSqlServers.ts). */
let fixture: PostgresFixture;
beforeAll(async () => {
  fixture = await createPostgresFixture("pgsql");
});
afterAll(async () => {
  await fixture?.drop();
});

describeSqlConnector(() => ({
  engine: "PostgreSQL",
  definition: postgresql,
  engineWithPools(idleMs) {
    const pools = new IdlePools<pg.Pool>((pool) => pool.end(), idleMs);
    return { engine: pgEngine({ engine: "PostgreSQL", pools }), pools };
  },
  ...fixture,
  ca: inject("sqlTestCa"),
  sql: {
    sleep5: "SELECT pg_sleep(5)",
    hugeResult: "SELECT a.g FROM generate_series(1, 10000) AS a(g), generate_series(1, 10000) AS b(g)",
    sneakyWrites: ["WITH gone AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM gone", "SELECT pacer_bump()", "SELECT nextval('order_ids')"],
    syntaxPosition: /\(at line 3, column 6\)\.$/,
    nonNumericType: /text/,
  },
  ...postgresProbes(fixture),
}));

describeSqlLinkFlow(() => ({
  integrationId: "postgresql",
  config: { host: "localhost", port: fixture.port, database: fixture.database, user: fixture.reader.user, tls: "verify-full", caCertificate: inject("sqlTestCa") },
  password: fixture.reader.password,
  addOrder: async (id) => void (await fixture.admin("INSERT INTO orders VALUES ($1, 0, 0, 'added')", [id])),
  removeOrder: async (id) => void (await fixture.admin("DELETE FROM orders WHERE id = $1", [id])),
}));
