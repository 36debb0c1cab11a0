import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { closeAllSqlPools } from "../../../sync/sql/idlePools.js";
import type { SqlLogin } from "./sqlConnectorSuite.js";

/**
 * A database on the test PostgreSQL (tests/support/globalSqlServers.ts) with the suite's data and
 * three logins of its own: a SELECT-only reader, a writer with write grants, and an idle-pool
 * checker. Names are unique per test file, since roles are shared by the whole server.
 */
export interface PostgresFixture {
  database: string;
  port: number;
  plainPort: number;
  reader: SqlLogin;
  writer: SqlLogin;
  idler: SqlLogin;
  admin(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

export async function createPostgresFixture(label: string): Promise<PostgresFixture> {
  const adminUrl = new URL(inject("postgresAdminUrl"));
  const suffix = randomBytes(4).toString("hex");
  const database = `pacer_${label}_${suffix}`;
  const login = (role: string): SqlLogin => ({ user: `${label}_${role}_${suffix}`, password: randomBytes(12).toString("base64url") });
  const [reader, writer, idler] = [login("reader"), login("writer"), login("idler")];

  const server = new pg.Client({ connectionString: adminUrl.href });
  await server.connect();
  await server.query(`CREATE DATABASE ${database}`);
  for (const { user, password } of [reader, writer, idler]) {
    await server.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    await server.query(`GRANT CONNECT ON DATABASE ${database} TO ${user}`);
  }
  await server.end();

  const dbUrl = new URL(adminUrl.href);
  dbUrl.pathname = `/${database}`;
  const db = new pg.Pool({ connectionString: dbUrl.href, max: 2 });
  // DROP DATABASE … WITH (FORCE) ends sessions the pool may still be closing; that is expected.
  db.on("error", () => undefined);
  await db.query(`
    CREATE TABLE orders (id integer PRIMARY KEY, amount numeric(30,10) NOT NULL, big bigint NOT NULL, label text NOT NULL);
    INSERT INTO orders VALUES (1, 12345678901234567890.0123456789, 9007199254740993, 'first'), (2, 1, 1, 'second'), (3, 2, 2, 'third');
    CREATE TABLE salaries (person text, amount numeric);
    INSERT INTO salaries VALUES ('Olga', 100);
    CREATE SEQUENCE order_ids;
    CREATE FUNCTION pacer_bump() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN UPDATE orders SET amount = amount + 1; RETURN 1; END $$;
    GRANT SELECT ON orders TO ${reader.user};
    GRANT SELECT, INSERT, UPDATE, DELETE ON orders, salaries TO ${writer.user};
    GRANT USAGE ON SEQUENCE order_ids TO ${writer.user};
  `);
  return {
    database,
    port: Number(adminUrl.port),
    plainPort: inject("postgresPlainPort"),
    reader,
    writer,
    idler,
    admin: (sql, values) => db.query(sql, values),
    async drop() {
      await closeAllSqlPools();
      await db.end();
      const cleanup = new pg.Client({ connectionString: adminUrl.href });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      for (const { user } of [reader, writer, idler]) await cleanup.query(`DROP ROLE IF EXISTS ${user}`);
      await cleanup.end();
    },
  };
}

/** The suite's checks that read the server as the admin. */
export function postgresProbes(fixture: PostgresFixture) {
  return {
    ordersFingerprint: async () =>
      (await fixture.admin("SELECT string_agg(id || ':' || amount || ':' || big || ':' || label, ',' ORDER BY id) AS f FROM orders")).rows[0].f as string,
    sessionsOf: async (user: string) => (await fixture.admin("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1", [user])).rows[0].n as number,
  };
}
