import { createServer, type Server } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import mssql from "../../../sync/connectors/mssql/index.js";
import { closeMssqlPools, mssqlPoolConfig } from "../../../sync/connectors/mssql/session.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import { ConnectorError } from "../../../sync/connectors/errors.js";
import { type BatchAnswer, FakeSqlServer } from "../../support/fakeSqlServer.js";

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

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

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
      const error = await failure(mssql.fetchValue!(ctx(), source()));
      expect(error.type).toBe("resultShape");
      expect(error.message).toMatch(message);
    }
  });

  it("refuses DML and a second statement before anything is sent", async () => {
    const dml = await failure(mssql.fetchValue!(ctx(), source({ query: "DELETE FROM dbo.Orders" })));
    expect(dml.message).toMatch(/starts with DELETE/);
    const two = await failure(mssql.fetchValue!(ctx(), source({ query: "SELECT 1; DROP TABLE dbo.Orders" })));
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
    const auth = await failure(mssql.fetchValue!(ctx({}, "wrong"), source()));
    expect(auth.type).toBe("auth");
    expect(auth.message).toBe("SQL Server refused the login pacer_reader: Login failed for user 'pacer_reader'. Check the user name and password.");

    const database = await failure(mssql.testConnection(ctx({ database: "payroll" })));
    expect(database.type).toBe("config");
    expect(database.message).toMatch(/has no database payroll/);

    const expectations: Array<[BatchAnswer, RegExp]> = [
      [{ error: { number: 229, severity: 14, message: "The SELECT permission was denied on the object 'Payroll', database 'shop', schema 'dbo'.", line: 2 } }, /^Permission denied by SQL Server: The SELECT permission was denied on the object 'Payroll', database 'shop', schema 'dbo'\. Grant/],
      [{ error: { number: 208, message: "Invalid object name 'dbo.Payroll'.", line: 2 } }, /Invalid object name 'dbo\.Payroll'\. Check the table/],
      [{ error: { number: 102, severity: 15, message: "Incorrect syntax near 'FORM'.", line: 3 } }, /cannot run the query: Incorrect syntax near 'FORM' \(at line 2\)/],
    ];
    for (const [answer, message] of expectations) {
      server.answer = answering(answer);
      const error = await failure(mssql.fetchValue!(ctx(), source({ query: `${QUERY}\n  AND x = 1` })));
      expect(error.type).toBe("config");
      expect(error.message).toMatch(message);
    }
  });

  it("cancels a query at the statement timeout (an attention reaches the server) and says so", async () => {
    server.answer = answering({ delayMs: 5_000, then: count(1) });
    const before = server.attentions;
    const error = await failure(mssql.fetchValue!(ctx({ statementTimeoutSeconds: 1 }), source()));
    expect(error.type).toBe("transient");
    expect(error.message).toMatch(/ran longer than the 1 s statement timeout and SQL Server cancelled it/);
    expect(server.attentions).toBe(before + 1);
  });

  it("cannot connect to a closed port, and gives up on a server that speaks garbage", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const refused = await failure(mssql.testConnection(ctx({ port: closed })));
    expect(refused.type).toBe("transient");
    expect(refused.message).toMatch(/^Cannot connect to SQL Server at 127\.0\.0\.1:\d+\/shop: the server refused the connection/);

    const garbage: Server = createServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    const port = (garbage.address() as { port: number }).port;
    const confused = await failure(mssql.testConnection(ctx({ port, connectTimeoutSeconds: 2 })));
    expect(confused.type).toBe("transient");
    expect(confused.message).toMatch(/^(Cannot connect to SQL Server at 127\.0\.0\.1:\d+\/shop|SQL Server at 127\.0\.0\.1:\d+\/shop did not accept a connection)/);
    garbage.close();
  });
});

describe("mssql: TLS modes", () => {
  const options = (tls: string, extra: Record<string, unknown> = {}) =>
    mssqlPoolConfig(mssql.schemas.connectionConfig.parse({ host: "db.example.com", database: "shop", user: "u", tls, ...extra }), { password: "p" }).options;
  const ca = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----";

  it("maps each mode onto encrypt, trustServerCertificate and the CA", () => {
    expect(options("disable")).toMatchObject({ encrypt: false });
    expect(options("require")).toMatchObject({ encrypt: true, trustServerCertificate: true });
    expect(options("verify-full", { caCertificate: ca })).toMatchObject({ encrypt: true, trustServerCertificate: false, cryptoCredentialsDetails: { ca } });
    expect(options("verify-ca")).toMatchObject({ encrypt: true, trustServerCertificate: false });
    expect(options("verify-full", { readOnlyIntent: true })).toMatchObject({ readOnlyIntent: true, appName: "Pacer" });
  });

  it("a server that answers PRELOGIN with 'encryption not supported' is refused before any query when TLS is on", async () => {
    const error = await failure(mssql.testConnection(ctx({ tls: "require" })));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/^TLS with SQL Server failed: the server did not encrypt the connection/);
    // tedious has already sent the login by then (see session.ts); no query was sent.
    expect(server.batches).toEqual([]);
  });
});
