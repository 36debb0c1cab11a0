import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../../sync/connectors/errors.js";
import { sqlServerConfig, tlsOptions } from "../../../sync/sql/connectionFields.js";
import { sqlCallDeadlineMs } from "../../../sync/sql/defineSqlConnector.js";
import { IdlePools, poolKey } from "../../../sync/sql/idlePools.js";
import { ConnectorRunner } from "../../../sync/engine/connectorRunner.js";
import { createLogger } from "../../../core/log/logger.js";
import postgresql from "../../../sync/connectors/postgresql/index.js";
import { type SqlRows, singleNumericCell } from "../../../sync/sql/singleNumber.js";
import { maskSql, readOnlyQueryProblem } from "../../../sync/sql/statement.js";
import { thrownBy } from "../../support/thrown.js";

describe("readOnlyQueryProblem", () => {
  it("accepts one SELECT or WITH, with one trailing semicolon and comments", () => {
    expect(readOnlyQueryProblem("SELECT COUNT(*) FROM orders", "postgres")).toBeNull();
    expect(readOnlyQueryProblem("  -- open orders\n  with o as (select 1) select count(*) from o;  \n", "postgres")).toBeNull();
    expect(readOnlyQueryProblem("(SELECT 1)", "mysql")).toBeNull();
    expect(readOnlyQueryProblem("/* a; b */ SELECT 1 ; ;", "tsql")).toBeNull();
  });

  it("refuses a second statement, and says where the ; is", () => {
    expect(readOnlyQueryProblem("SELECT 1; DELETE FROM orders", "postgres")).toMatch(/more than one statement.*line 1, column 9/);
    expect(readOnlyQueryProblem("SELECT 1\n;\nSELECT 2", "mysql")).toMatch(/line 2, column 1/);
  });

  it("ignores semicolons inside strings, quoted names and comments, per dialect", () => {
    expect(readOnlyQueryProblem("SELECT COUNT(*) FROM t WHERE note = 'a;b' -- x;y", "postgres")).toBeNull();
    expect(readOnlyQueryProblem('SELECT COUNT(*) FROM "odd;table"', "postgres")).toBeNull();
    expect(readOnlyQueryProblem("SELECT COUNT(*) FROM `odd;table` # note; here", "mysql")).toBeNull();
    expect(readOnlyQueryProblem("SELECT COUNT(*) FROM [odd;table]", "tsql")).toBeNull();
    expect(readOnlyQueryProblem("SELECT $$a;b$$::text IS NOT NULL::int", "postgres")).toBeNull();
    expect(readOnlyQueryProblem("SELECT $tag$ ; $tag$ = 'x'", "postgres")).toBeNull();
    expect(readOnlyQueryProblem("SELECT 1 // note; here", "snowflake")).toBeNull();
    expect(readOnlyQueryProblem("/* outer /* inner; */ still comment; */ SELECT 1", "postgres")).toBeNull();
  });

  it("knows the escapes of each dialect, so a quote cannot smuggle a statement out", () => {
    // MySQL: \' does not end the string, so the ; after it is inside the string.
    expect(readOnlyQueryProblem("SELECT 'it\\'s; fine'", "mysql")).toBeNull();
    // Standard SQL: \ is a plain character, so the string ends at it and "; DROP" is a second statement.
    expect(readOnlyQueryProblem("SELECT 'x\\'; DROP TABLE t; --'", "postgres")).toMatch(/more than one statement/);
    expect(readOnlyQueryProblem("SELECT E'x\\'; still string'", "postgres")).toBeNull();
    expect(readOnlyQueryProblem("SELECT 'a''b;c'", "tsql")).toBeNull();
    // MySQL needs a space after -- for a comment: 1--1 is arithmetic.
    expect(maskSql("SELECT 1--1", "mysql")).toBe("SELECT 1--1");
    expect(maskSql("SELECT 1--1", "postgres")).toBe("SELECT 1   ");
  });

  it("refuses statements that are not a SELECT, naming them", () => {
    expect(readOnlyQueryProblem("UPDATE orders SET total = 0", "postgres")).toMatch(/starts with UPDATE/);
    expect(readOnlyQueryProblem("-- just a comment", "postgres")).toBe("The query is empty.");
    expect(readOnlyQueryProblem("EXEC sp_who", "tsql")).toMatch(/starts with EXEC/);
    expect(readOnlyQueryProblem("SELECT * FROM t INTO OUTFILE '/tmp/x'", "mysql")).toMatch(/writes a file/);
  });

  it("reports unterminated strings and comments instead of guessing", () => {
    expect(readOnlyQueryProblem("SELECT 'open", "postgres")).toMatch(/never closed/);
    expect(readOnlyQueryProblem("SELECT 1 /* open", "mysql")).toMatch(/unterminated \/\*/);
    expect(readOnlyQueryProblem("SELECT $x$ open", "postgres")).toMatch(/unterminated \$x\$/);
  });
});

describe("singleNumericCell", () => {
  const one = (cell: unknown, type = "numeric", numeric = true): SqlRows => ({ columns: [{ name: "n", typeName: type, numeric }], rows: [[cell]] });

  it("reads numbers, bigints and decimal text, keeping exact digits a double cannot hold", () => {
    expect(singleNumericCell(one(42))).toEqual({ value: 42, exact: null });
    expect(singleNumericCell(one("12.50"))).toEqual({ value: 12.5, exact: null });
    expect(singleNumericCell(one(9007199254740993n))).toEqual({ value: 9007199254740992, exact: "9007199254740993" });
    expect(singleNumericCell(one("9007199254740993"))).toEqual({ value: 9007199254740992, exact: "9007199254740993" });
    expect(singleNumericCell(one("12345678901234567890.0123456789"))).toEqual({ value: 12345678901234567000, exact: "12345678901234567890.0123456789" });
  });

  it("names what came back when the shape is wrong", () => {
    const shape = (rows: SqlRows) => thrownBy(() => singleNumericCell(rows)) as unknown as ConnectorError;
    expect(shape({ columns: [{ name: "n", typeName: "int", numeric: true }], rows: [] }).message).toMatch(/no rows/);
    expect(shape({ columns: [{ name: "n", typeName: "int", numeric: true }], rows: [[1], [2]] }).message).toMatch(/more than one row/);
    const wide = shape({ columns: ["a", "b", "c"].map((name) => ({ name, typeName: "int", numeric: true })), rows: [[1, 2, 3]] });
    expect(wide.message).toMatch(/3 columns \(`a`, `b`, `c`\)/);
    expect(shape(one("open", "text", false)).message).toMatch(/Column `n` is text; it must be a number/);
    expect(shape(one(null)).message).toMatch(/returned NULL in column `n`; wrap it in COALESCE/);
    expect(shape(one("abc")).message).toMatch(/not a finite number/);
    expect(shape(one(Number.NaN)).message).toMatch(/not a finite number/);
    expect(shape(one(true)).message).toMatch(/did not hold a single number/);
    for (const error of [wide, shape(one(null))]) {
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error.type).toBe("resultShape");
    }
  });
});

describe("SQL connection fields", () => {
  const schema = sqlServerConfig({ port: 5432 });

  it("defaults to verify-full TLS, a 30 s statement timeout and the engine's port", () => {
    const config = schema.parse({ host: "db.example.com", database: "shop", user: "pacer_ro" });
    expect(config).toMatchObject({ port: 5432, tls: "verify-full", statementTimeoutSeconds: 30, connectTimeoutSeconds: 10 });
    expect(tlsOptions(config)).toEqual({ rejectUnauthorized: true, servername: "db.example.com" });
  });

  it("turns each TLS mode into Node's options", () => {
    const base = { host: "10.0.0.5", tls: "verify-ca" as const, caCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" };
    const verifyCa = tlsOptions(base);
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: base.caCertificate });
    expect(verifyCa && verifyCa.checkServerIdentity?.("x", {} as never)).toBeUndefined();
    expect(tlsOptions({ ...base, tls: "verify-full" })).toMatchObject({ rejectUnauthorized: true, servername: undefined });
    expect(tlsOptions({ ...base, tls: "require" })).toEqual({ rejectUnauthorized: false });
    expect(tlsOptions({ ...base, tls: "disable" })).toBe(false);
  });

  it("refuses hosts with a scheme, out-of-range timeouts and a CA that is not PEM", () => {
    const result = schema.safeParse({ host: "postgres://db", database: "shop", user: "u", statementTimeoutSeconds: 0, caCertificate: "hello" });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["host", "statementTimeoutSeconds", "caCertificate"]));
  });
});

describe("IdlePools", () => {
  it("opens one pool per key, reuses it, and closes it once idle", async () => {
    const closed: string[] = [];
    let opened = 0;
    const pools = new IdlePools<{ id: string }>(async (pool) => void closed.push(pool.id), 20);
    const open = () => ({ id: `pool${++opened}` });
    const key = poolKey({ host: "a" }, { password: "p" });
    const [a, b] = await Promise.all([pools.use(key, open, async (p) => p.id), pools.use(key, open, async (p) => p.id)]);
    expect([a, b, opened]).toEqual(["pool1", "pool1", 1]);
    expect(key).not.toContain("p\"");
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(closed).toEqual(["pool1"]);
    expect(pools.size).toBe(0);
    expect(await pools.use(key, open, async (p) => p.id)).toBe("pool2");
    await pools.closeAll();
    expect(closed).toEqual(["pool1", "pool2"]);
  });

  it("never closes a pool while a call is using it, and forgets a pool that failed to open", async () => {
    const closed: number[] = [];
    const pools = new IdlePools<number>(async (n) => void closed.push(n), 10);
    await expect(pools.use("k", () => Promise.reject(new Error("refused")), async () => 0)).rejects.toThrow("refused");
    expect(pools.size).toBe(0);
    const slow = pools.use("k", () => 7, (n) => new Promise<number>((resolve) => setTimeout(() => resolve(n), 50)));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toEqual([]);
    expect(await slow).toBe(7);
    await pools.closeAll();
    expect(closed).toEqual([7]);
  });
});

describe("call deadline", () => {
  it("outlasts the connect and statement timeouts, never under the default 30 s", () => {
    expect(sqlCallDeadlineMs({ statementTimeoutSeconds: 120, connectTimeoutSeconds: 10 })).toBe(135_000);
    expect(sqlCallDeadlineMs({ statementTimeoutSeconds: 1 })).toBe(30_000);
  });

  it("is what the runner gives a SQL connector's call, so the server's timeout ends a slow query first", async () => {
    let left = 0;
    const probe = {
      ...postgresql,
      fetchValue: async (ctx: { deadlineAt: number }) => {
        left = ctx.deadlineAt - Date.now();
        return { value: 1, details: null, asOf: new Date() };
      },
    };
    const config = postgresql.schemas.connectionConfig.parse({ host: "db", database: "d", user: "u", statementTimeoutSeconds: 120 });
    await new ConnectorRunner(createLogger("silent"), 30_000).fetchValue(probe, config, { password: "p" }, { query: "SELECT 1" });
    expect(left).toBeGreaterThan(120_000);
    expect(left).toBeLessThanOrEqual(135_000);
  });
});
