import { createServer, type Server } from "node:net";
import sql from "mssql";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import mssql from "../../../sync/connectors/mssql/index.js";
import { closeMssqlPools, mssqlPoolConfig } from "../../../sync/connectors/mssql/session.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import { ConnectorError } from "../../../sync/connectors/errors.js";
import { type BatchAnswer, FakeSqlServer } from "../../support/fakeSqlServer.js";
import { closedLoopbackPort } from "../../support/loopback.js";
import { connectorErrorFrom } from "../../support/thrown.js";

/**
 * The "mssql" connector driven through the real mssql/tedious driver against a loopback server
 * that speaks TDS 7.4 (tests/support/fakeSqlServer.ts): login, SQL batches, result tokens, SQL
 * Server error tokens (numbers and messages as SQL Server sends them) and attention.
 */
const log = createLogger("silent");
const server = new FakeSqlServer();
const QUERY = "SELECT COUNT(*) FROM dbo.Orders WHERE Status = 'open'";
const VERSION = "Microsoft SQL Server 2022 (RTM-CU16) (KB5048033) - 16.0.4165.4 (X64) \n\tNov  6 2024 19:24:49 \n\tCopyright (C) 2022 Microsoft Corporation\n\tDeveloper Edition (64-bit) on Linux (Ubuntu 22.04.5 LTS) <X64>";

beforeAll(async () => {
  await server.start();
});
afterEach(async () => {
  await closeMssqlPools();
  server.batches.length = 0;
  server.logins.length = 0;
  server.received.length = 0;
  server.firstBytes.length = 0;
  server.encryption = 0x02;
});
afterAll(async () => {
  await server.stop();
});

function ctx(config: Record<string, unknown> = {}, password = server.credentials.password, deadlineMs = 60_000) {
  return connectorContext({
    config: mssql.schemas.connectionConfig.parse({ host: "127.0.0.1", port: server.port, database: "shop", user: "pacer_reader", tls: "disable", ...config }),
    secrets: mssql.schemas.secrets.parse({ password }),
    log,
    deadlineMs,
  });
}
const source = (s: Record<string, unknown> = { query: QUERY }) => mssql.schemas.sourceConfig.parse(s);
/** Answers batches holding the user's text with `answer`; @@VERSION with the version; anything else with an error. */
const answering = (answer: BatchAnswer, marker = QUERY) => (batch: string): BatchAnswer =>
  batch.includes(marker) ? answer : batch.includes("SELECT @@VERSION") ? { columns: [{ name: "", type: "nvarchar" }], rows: [[VERSION]] } : { error: { number: 50000, message: "unexpected batch" } };
const count = (n: number | bigint | string | null, type: "int" | "bigint" | "decimal" | "float" | "nvarchar" = "int", extra = {}): BatchAnswer => ({ columns: [{ name: "", type, ...extra }], rows: [[n]] });

describe("mssql: test connection and fetch", () => {
  it("logs in as the connection's user to its database and describes the server", async () => {
    server.answer = answering(count(1));
    const result = await mssql.testConnection(ctx());
    expect(result.message).toBe(
      `Connected to SQL Server at 127.0.0.1:${server.port}/shop as pacer_reader (Microsoft SQL Server 2022 (RTM-CU16) (KB5048033) - 16.0.4165.4 (X64)). Queries run read-only with a 30 s statement timeout.`,
    );
    expect(server.logins[0]).toEqual({ user: "pacer_reader", password: server.credentials.password, database: "shop", appName: "Pacer" });
  });

  it("runs the query alone in a transaction that is rolled back, with ROWCOUNT 2, and returns the number", async () => {
    server.answer = answering(count(42));
    const value = await mssql.fetchValue!(ctx(), source());
    expect(value.value).toBe(42);
    expect(server.batches).toEqual([
      `IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET XACT_ABORT ON; SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET ROWCOUNT 2; BEGIN TRANSACTION;\n${QUERY}\n;ROLLBACK TRANSACTION; SET ROWCOUNT 0;`,
    ]);
  });

  it("keeps a bigint's digits (tedious returns it as text) and reads decimal and float", async () => {
    server.answer = answering(count(9007199254740993n, "bigint"));
    const big = await mssql.fetchValue!(ctx(), source());
    expect(big.value).toBe(9007199254740992);
    expect(big.details).toMatch(/^Exact value 9007199254740993; /);
    server.answer = answering(count("1234.50", "decimal", { precision: 10, scale: 2 }));
    expect((await mssql.fetchValue!(ctx(), source())).value).toBe(1234.5);
    server.answer = answering(count(0.125, "float"));
    expect((await mssql.fetchValue!(ctx(), source())).value).toBe(0.125);
  });

  it("names what came back when it is not one number", async () => {
    const cases: Array<[BatchAnswer, RegExp]> = [
      [{ columns: [{ name: "n", type: "int" }], rows: [[1], [2]] }, /more than one row/],
      [{ columns: [{ name: "n", type: "int" }], rows: [] }, /no rows/],
      [{ columns: [{ name: "n", type: "int" }], rows: [[null]] }, /NULL in column `n`/i],
      [{ columns: [{ name: "name", type: "nvarchar" }], rows: [["Ada"]] }, /column `name` is nvarchar; it must be a number/i],
      [{ columns: [{ name: "a", type: "int" }, { name: "b", type: "int" }], rows: [[1, 2]] }, /2 columns \(`a`, `b`\)/],
    ];
    for (const [answer, message] of cases) {
      server.answer = answering(answer);
      const error = await connectorErrorFrom(mssql.fetchValue!(ctx(), source()));
      expect(error.type).toBe("resultShape");
      expect(error.message).toMatch(message);
    }
  });

  it("refuses DML and a second statement before anything is sent", async () => {
    const dml = await connectorErrorFrom(mssql.fetchValue!(ctx(), source({ query: "DELETE FROM dbo.Orders" })));
    expect(dml.message).toMatch(/starts with DELETE/);
    const two = await connectorErrorFrom(mssql.fetchValue!(ctx(), source({ query: "SELECT 1; DROP TABLE dbo.Orders" })));
    expect(two.message).toMatch(/more than one statement/);
    expect(server.batches).toEqual([]);
    expect(server.logins).toEqual([]);
  });

  it("runs a stored procedure with literal parameters inside the rolled-back transaction", async () => {
    server.answer = answering(count(7), "EXEC");
    const value = await mssql.fetchValue!(ctx(), source({ procedure: "reports.OpenTickets", parameters: { "@team": "O'Brien's", days: 30, includeClosed: false } }));
    expect(value.value).toBe(7);
    expect(server.batches[0]).toBe(
      "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET XACT_ABORT ON; SET TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN TRANSACTION;\nEXEC [reports].[OpenTickets] @team = N'O''Brien''s', @days = 30, @includeClosed = 0;\nROLLBACK TRANSACTION;",
    );
    expect(mssql.schemas.sourceConfig.safeParse({ procedure: "dbo.x; DROP TABLE t" }).success).toBe(false);
    expect(mssql.schemas.sourceConfig.safeParse({ procedure: "dbo.x", parameters: { "a b": 1 } }).success).toBe(false);
    expect(mssql.schemas.sourceConfig.safeParse({ query: QUERY, procedure: "dbo.x" }).success).toBe(false);
  });

  it("maps a wrong password, an unknown database, denied SELECT, an unknown table and a syntax error", async () => {
    const auth = await connectorErrorFrom(mssql.fetchValue!(ctx({}, "wrong"), source()));
    expect(auth.type).toBe("auth");
    expect(auth.message).toBe("SQL Server refused the login pacer_reader: Login failed for user 'pacer_reader'. Check the user name and password.");

    const database = await connectorErrorFrom(mssql.testConnection(ctx({ database: "payroll" })));
    expect(database.type).toBe("config");
    expect(database.message).toMatch(/has no database payroll/);

    const expectations: Array<[BatchAnswer, RegExp]> = [
      [{ error: { number: 229, severity: 14, message: "The SELECT permission was denied on the object 'Payroll', database 'shop', schema 'dbo'.", line: 2 } }, /^Permission denied by SQL Server: The SELECT permission was denied on the object 'Payroll', database 'shop', schema 'dbo'\. Grant/],
      [{ error: { number: 208, message: "Invalid object name 'dbo.Payroll'.", line: 2 } }, /Invalid object name 'dbo\.Payroll'\. Check the table/],
      [{ error: { number: 102, severity: 15, message: "Incorrect syntax near 'FORM'.", line: 3 } }, /cannot run the query: Incorrect syntax near 'FORM' \(at line 2\)/],
    ];
    for (const [answer, message] of expectations) {
      server.answer = answering(answer);
      const error = await connectorErrorFrom(mssql.fetchValue!(ctx(), source({ query: `${QUERY}\n  AND x = 1` })));
      expect(error.type).toBe("config");
      expect(error.message).toMatch(message);
    }
  });

  it("cancels a query at the statement timeout (an attention reaches the server) and says so", async () => {
    server.answer = answering({ delayMs: 5_000, then: count(1) });
    const before = server.attentions;
    const error = await connectorErrorFrom(mssql.fetchValue!(ctx({ statementTimeoutSeconds: 1 }), source()));
    expect(error.type).toBe("transient");
    expect(error.message).toMatch(/ran longer than the 1 s statement timeout and SQL Server cancelled it/);
    expect(server.attentions).toBe(before + 1);
  });

  it("cannot connect to a closed port, and gives up on a server that speaks garbage", async () => {
    const closed = await closedLoopbackPort();
    const refused = await connectorErrorFrom(mssql.testConnection(ctx({ port: closed })));
    expect(refused.type).toBe("transient");
    expect(refused.message).toMatch(/^Cannot connect to SQL Server at 127\.0\.0\.1:\d+\/shop: the server refused the connection/);

    const garbage: Server = createServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    const port = (garbage.address() as { port: number }).port;
    const confused = await connectorErrorFrom(mssql.testConnection(ctx({ port, connectTimeoutSeconds: 2 })));
    expect(confused.type).toBe("transient");
    expect(confused.message).toMatch(/^(Cannot connect to SQL Server at 127\.0\.0\.1:\d+\/shop|SQL Server at 127\.0\.0\.1:\d+\/shop did not accept a connection)/);
    garbage.close();
  });
});

describe("mssql: TLS modes", () => {
  const options = (tls: string, extra: Record<string, unknown> = {}) =>
    mssqlPoolConfig(mssql.schemas.connectionConfig.parse({ host: "db.example.com", database: "shop", user: "u", tls, ...extra }), { password: "p" }).options!;
  const ca = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----";

  it("maps each mode onto encrypt, trustServerCertificate and the CA", () => {
    expect(options("disable")).toMatchObject({ encrypt: false });
    expect(options("require")).toMatchObject({ encrypt: true, trustServerCertificate: true });
    expect(options("verify-full", { caCertificate: ca })).toMatchObject({ encrypt: true, trustServerCertificate: false, cryptoCredentialsDetails: { ca } });
    expect(options("verify-ca")).toMatchObject({ encrypt: true, trustServerCertificate: false });
    expect(options("verify-full", { readOnlyIntent: true })).toMatchObject({ readOnlyIntent: true, appName: "Pacer" });
  });

  it("maps strict encryption onto tedious's encrypt: 'strict', and the PRELOGIN guard onto TDS 7.x with TLS on", () => {
    expect(options("verify-full", { strictEncryption: true })).toMatchObject({ encrypt: "strict" });
    expect(options("verify-full", { strictEncryption: true }).connector).toBeUndefined();
    expect(typeof options("require").connector).toBe("function");
    expect(typeof options("verify-ca").connector).toBe("function");
    expect(options("disable").connector).toBeUndefined();
    const both = mssql.schemas.connectionConfig.safeParse({ host: "db.example.com", database: "shop", user: "u", tls: "disable", strictEncryption: true });
    expect(both.success).toBe(false);
  });

  const LOGIN7 = 0x10;
  const PRELOGIN = 0x12;
  const types = () => server.received.map((m) => m.type);

  for (const tls of ["verify-full", "verify-ca", "require"]) {
    it(`TLS mode ${tls}: a server answering PRELOGIN "encryption not supported" is refused before the login is sent`, async () => {
      const error = await connectorErrorFrom(mssql.testConnection(ctx({ tls })));
      expect(error.type).toBe("config");
      expect(error.message).toBe(
        "TLS with SQL Server failed: the server answered PRELOGIN with encryption not supported, so Pacer did not send the login; turn on Force Encryption on the server, or choose TLS mode disable on a private network. Check the connection's TLS mode and CA certificate.",
      );
      expect(types()).toEqual([PRELOGIN]);
      expect(server.logins).toEqual([]);
    });
  }

  it("an ENCRYPT_OFF answer is refused too (tedious would log in in clear)", async () => {
    server.encryption = 0x00;
    const error = await connectorErrorFrom(mssql.fetchValue!(ctx({ tls: "require" }), source()));
    expect(error.message).toMatch(/^TLS with SQL Server failed: the server answered PRELOGIN with encryption off, so Pacer did not send the login; turn on Force Encryption/);
    expect(types()).toEqual([PRELOGIN]);
    expect(server.logins).toEqual([]);
  });

  it("an ENCRYPT_ON answer passes the guard: tedious starts TLS inside PRELOGIN, and no login goes out before it", async () => {
    server.encryption = 0x01;
    await connectorErrorFrom(mssql.testConnection(ctx({ tls: "require", connectTimeoutSeconds: 2 })));
    // The second PRELOGIN message carries a TLS handshake record (0x16); this server speaks no TLS, so it ends there.
    expect(server.received.slice(0, 2)).toEqual([
      { type: PRELOGIN, first: 0x00 /* the VERSION option's token */ },
      { type: PRELOGIN, first: 0x16 },
    ]);
    expect(types()).not.toContain(LOGIN7);
  });

  it("TLS mode disable with a server that does not support encryption logs in as before", async () => {
    server.answer = answering(count(5));
    expect((await mssql.fetchValue!(ctx({ tls: "disable" }), source())).value).toBe(5);
    expect(types().slice(0, 2)).toEqual([PRELOGIN, LOGIN7]);
  });

  it("strict encryption (TDS 8) opens with a TLS ClientHello, not a PRELOGIN", async () => {
    const error = await connectorErrorFrom(mssql.testConnection(ctx({ tls: "verify-full", strictEncryption: true, connectTimeoutSeconds: 2 })));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(server.firstBytes).toEqual([0x16]);
    expect(server.received).toEqual([]);
    expect(server.logins).toEqual([]);
  });

  it("second guard: without the PRELOGIN check, a login that was not encrypted is refused before any query", async () => {
    const config = mssql.schemas.connectionConfig.parse({ host: "127.0.0.1", port: server.port, database: "shop", user: "pacer_reader", tls: "require" });
    const poolConfig = mssqlPoolConfig(config, { password: server.credentials.password });
    const pool = new sql.ConnectionPool({ ...poolConfig, options: { ...poolConfig.options, connector: undefined } });
    pool.on("error", () => undefined);
    const error = await pool.connect().then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    await pool.close();
    expect(error?.message).toMatch(/the server did not encrypt the connection; turn on Force Encryption on the server/);
    expect(types()).toEqual([PRELOGIN, LOGIN7]);
    expect(server.batches).toEqual([]);
  });
});
