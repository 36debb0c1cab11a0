import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type MysqlPool, mysqlEngine } from "../../../sync/connectors/mysql/engine.js";
import mysqlConnector from "../../../sync/connectors/mysql/index.js";
import { closeAllSqlPools, IdlePools } from "../../../sync/sql/idlePools.js";
import { describeSqlConnector, type SqlLogin } from "./sqlConnectorSuite.js";
import { describeSqlLinkFlow } from "./sqlLinkFlow.js";

/**
 * The "mysql" connector against a real MariaDB (started by tests/support/globalSqlServers.ts):
 * the shared suite, with MariaDB's statement timeout (max_statement_time) and its error numbers.
 */
const suffix = randomBytes(4).toString("hex");
const database = `pacer_my_${suffix}`;
const login = (role: string): SqlLogin => ({ user: `my_${role}_${suffix}`, password: randomBytes(12).toString("base64url") });
const [reader, writer, idler] = [login("reader"), login("writer"), login("idler")];
const adminUrl = new URL(inject("mariadbAdminUrl"));
let admin: mysql.Connection;

beforeAll(async () => {
  admin = await mysql.createConnection({ uri: adminUrl.href, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true });
  await admin.query(`
    CREATE DATABASE ${database};
    USE ${database};
    CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(30,10) NOT NULL, big BIGINT NOT NULL, label VARCHAR(20) NOT NULL);
    INSERT INTO orders VALUES (1, 12345678901234567890.0123456789, 9007199254740993, 'first'), (2, 1, 1, 'second'), (3, 2, 2, 'third');
    CREATE TABLE salaries (person VARCHAR(20), amount DECIMAL(10,2));
    INSERT INTO salaries VALUES ('Olga', 100);
    CREATE FUNCTION pacer_bump() RETURNS INT MODIFIES SQL DATA BEGIN UPDATE orders SET amount = amount + 1; RETURN 1; END;
  `);
  for (const { user, password } of [reader, writer, idler]) await admin.query("CREATE USER ?@'%' IDENTIFIED BY ?", [user, password]);
  await admin.query(`GRANT SELECT ON ${database}.orders TO ?@'%'`, [reader.user]);
  await admin.query(`GRANT SELECT ON ${database}.orders TO ?@'%'`, [idler.user]);
  await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON ${database}.* TO ?@'%'`, [writer.user]);
});

afterAll(async () => {
  await closeAllSqlPools();
  await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
  for (const { user } of [reader, writer, idler]) await admin?.query("DROP USER IF EXISTS ?@'%'", [user]);
  await admin?.end();
});

describeSqlConnector(() => ({
  engine: "MySQL",
  definition: mysqlConnector,
  engineWithPools(idleMs) {
    const pools = new IdlePools<MysqlPool>((entry) => entry.pool.end(), idleMs);
    return { engine: mysqlEngine({ pools }), pools };
  },
  port: Number(adminUrl.port),
  plainPort: inject("mariadbPlainPort"),
  database,
  ca: inject("sqlTestCa"),
  reader,
  writer,
  idler,
  sql: {
    sleep5: "SELECT SLEEP(5)",
    // A cross join streamed row by row: tens of millions of rows unless the server stops at 2.
    hugeResult: "SELECT a.ID FROM information_schema.COLLATIONS a, information_schema.COLLATIONS b, information_schema.COLLATIONS c",
    sneakyWrites: ["SELECT pacer_bump()"],
    syntaxPosition: /near '' at line 3/,
    nonNumericType: /VARCHAR/,
  },
  ordersFingerprint: async () => {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT GROUP_CONCAT(CONCAT_WS(':', id, amount, big, label) ORDER BY id) AS f FROM ${database}.orders`);
    return String(rows[0]!.f);
  },
  sessionsOf: async (user) => {
    const [rows] = await admin.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?", [user]);
    return Number(rows[0]!.n);
  },
}));

describeSqlLinkFlow(() => ({
  integrationId: "mysql",
  config: { host: "localhost", port: Number(adminUrl.port), database, user: reader.user, tls: "verify-full", caCertificate: inject("sqlTestCa") },
  password: reader.password,
  addOrder: async (id) => void (await admin.query(`INSERT INTO ${database}.orders VALUES (?, 0, 0, 'added')`, [id])),
  removeOrder: async (id) => void (await admin.query(`DELETE FROM ${database}.orders WHERE id = ?`, [id])),
}));

describe("MySQL and MariaDB specifics", () => {
  it("tells MariaDB from MySQL by its version", async () => {
    const { isMariaDb } = await import("../../../sync/connectors/mysql/engine.js");
    expect(isMariaDb("10.11.19-MariaDB-0+deb12u1")).toBe(true);
    expect(isMariaDb("8.0.36")).toBe(false);
  });

  it("Test connection names MariaDB and its version", async () => {
    const { connectorContext } = await import("../../../sync/connectors/context.js");
    const { createLogger } = await import("../../../core/log/logger.js");
    const config = mysqlConnector.schemas.connectionConfig.parse({ host: "localhost", port: Number(adminUrl.port), database, user: reader.user, caCertificate: inject("sqlTestCa") });
    const result = await mysqlConnector.testConnection(connectorContext({ config, secrets: { password: reader.password }, log: createLogger("silent") }));
    expect(result.message).toMatch(/\(MariaDB 10\.\d+\.\d+-MariaDB/);
  });
});
