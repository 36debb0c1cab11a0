import { beforeAll, describe, expect, it } from "vitest";
import type { ConnectorDefinition } from "../../../core/integrations/contract.js";
import { createLogger } from "../../../core/log/logger.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import type { PasswordSecrets, SqlQuerySource, SqlServerConfig } from "../../../sync/sql/connectionFields.js";
import { runLimits, type SqlEngine } from "../../../sync/sql/defineSqlConnector.js";
import { connectorErrorFrom } from "../../support/thrown.js";

/**
 * One suite for the SQL connectors that run against real servers here (PostgreSQL, Redshift on
 * PostgreSQL, MariaDB): each engine's test file creates its database, data and logins, and hands
 * over the queries in its dialect. Every check goes through the connector definition, as the sync
 * engine calls it; the few that must reach past the query check use the engine directly.
 *
 * The data every target creates: table `orders` with rows id 1, 2, 3 (amount NUMERIC/DECIMAL(30,10),
 * big BIGINT, label text); id 1 has amount 12345678901234567890.0123456789 and big 9007199254740993.
 * Table `salaries` the reader may not read. A function `pacer_bump()` that updates `orders`.
 */
export interface SqlLogin {
  user: string;
  password: string;
}

export interface SqlTarget {
  engine: string;
  definition: ConnectorDefinition<SqlServerConfig, PasswordSecrets, SqlQuerySource>;
  /** A fresh engine of the definition's kind with its own pools closing after idleMs (for the idle and bypass checks). */
  engineWithPools(idleMs: number): { engine: SqlEngine<SqlServerConfig, PasswordSecrets, SqlQuerySource>; pools: { readonly size: number } };
  /** The TLS server: host `localhost` (the certificate's name), its port, the test database. */
  port: number;
  plainPort: number;
  database: string;
  ca: string;
  /** SELECT only (not on salaries); has write grants; used only by the idle-pool check. */
  reader: SqlLogin;
  writer: SqlLogin;
  idler: SqlLogin;
  sql: {
    sleep5: string;
    /** A query streaming a hundred million rows, far more than the statement timeout lets a server send. */
    hugeResult: string;
    /** Each passes the text check (a SELECT or WITH) but would write; the read-only transaction must refuse it. */
    sneakyWrites: string[];
    /** What the syntax error of "SELECT count(*)\nFROM orders\nWHERE" is reported at. */
    syntaxPosition: RegExp;
    nonNumericType: RegExp;
  };
  /** Fingerprint of `orders` read by the admin, to prove nothing changed. */
  ordersFingerprint(): Promise<string>;
  /** Open server sessions of a login. */
  sessionsOf(user: string): Promise<number>;
}

const log = createLogger("silent");

export function describeSqlConnector(target: () => SqlTarget) {
  let t: SqlTarget;
  beforeAll(() => {
    t = target();
  });
  const config = (overrides: Partial<SqlServerConfig> = {}): SqlServerConfig =>
    t.definition.schemas.connectionConfig.parse({ host: "localhost", port: t.port, database: t.database, user: t.reader.user, tls: "verify-full", caCertificate: t.ca, ...overrides });
  const ctx = (overrides: Partial<SqlServerConfig> = {}, login: SqlLogin = t.reader) =>
    connectorContext({ config: config({ user: login.user, ...overrides }), secrets: { password: login.password }, log, deadlineMs: 15_000 });
  const fetch = (query: string, overrides: Partial<SqlServerConfig> = {}, login?: SqlLogin) => t.definition.fetchValue!(ctx(overrides, login), { query });

  describe("values and result shape", () => {
    it("returns the one number a query selects, over verified TLS", async () => {
      expect(await fetch("SELECT count(*) FROM orders")).toMatchObject({ value: 3 });
      const test = await t.definition.testConnection(ctx());
      expect(test.message).toMatch(new RegExp(`^Connected to ${t.engine} at localhost:${t.port}/${t.database} as ${t.reader.user} \\(.+\\)\\. Queries run read-only with a 30 s statement timeout\\.$`));
    });

    it("keeps bigint and decimal digits a double cannot hold", async () => {
      const big = await fetch("SELECT big FROM orders WHERE id = 1");
      expect(big.value).toBe(9007199254740992);
      expect(big.details).toMatch(/^Exact value 9007199254740993; read-only query on .+ took \d+ ms$/);
      const amount = await fetch("SELECT amount FROM orders WHERE id = 1");
      expect(amount.details).toMatch(/^Exact value 12345678901234567890\.0123456789;/);
      const sum = await fetch("SELECT sum(amount) FROM orders");
      expect(sum.details).toMatch(/^Exact value 12345678901234567893\.0123456789;/);
    });

    it("refuses more than one row, a non-numeric column, NULL, no rows and two columns, naming what came back", async () => {
      expect(await connectorErrorFrom(fetch("SELECT id FROM orders ORDER BY id"))).toMatchObject({ type: "resultShape", message: expect.stringMatching(/more than one row/) });
      const text = await connectorErrorFrom(fetch("SELECT label FROM orders WHERE id = 1"));
      expect(text).toMatchObject({ type: "resultShape" });
      expect(text.message).toMatch(new RegExp(`^Column \`label\` is ${t.sql.nonNumericType.source}; it must be a number`));
      expect((await connectorErrorFrom(fetch("SELECT max(id) FROM orders WHERE id < 0"))).message).toMatch(/returned NULL in column `/i);
      expect((await connectorErrorFrom(fetch("SELECT id FROM orders WHERE id < 0"))).message).toMatch(/returned no rows/);
      expect((await connectorErrorFrom(fetch("SELECT id, big FROM orders WHERE id = 1"))).message).toMatch(/returns 2 columns \(`id`, `big`\)/);
    });
  });

  it("fetches only 2 rows: a huge result is a result-shape error at once, not a timeout", async () => {
    const error = await connectorErrorFrom(fetch(t.sql.hugeResult, { statementTimeoutSeconds: 3 }));
    expect(error).toMatchObject({ type: "resultShape", message: expect.stringMatching(/more than one row/) });
  });

  describe("read-only by construction", () => {
    it("refuses DML and a second statement before sending them", async () => {
      expect(await connectorErrorFrom(fetch("UPDATE orders SET amount = 0", {}, t.writer))).toMatchObject({ type: "config", message: expect.stringMatching(/starts with UPDATE/) });
      const two = await connectorErrorFrom(fetch("SELECT 1; UPDATE orders SET amount = 0", {}, t.writer));
      expect(two).toMatchObject({ type: "config", message: expect.stringMatching(/more than one statement/) });
    });

    it("a login with write grants still cannot change data: the read-only transaction refuses it", async () => {
      const before = await t.ordersFingerprint();
      for (const query of t.sql.sneakyWrites) {
        const error = await connectorErrorFrom(fetch(query, {}, t.writer));
        expect(error.type, query).toBe("config");
        expect(error.message, query).toMatch(new RegExp(`^${t.engine} refused a change: .*read.only`, "i"));
      }
      expect(await t.ordersFingerprint()).toBe(before);
    });

    it("the server too refuses a second statement that got past the check", async () => {
      const before = await t.ordersFingerprint();
      const { engine } = t.engineWithPools(60_000);
      const writerCtx = ctx({}, t.writer);
      const error = await connectorErrorFrom(engine.run(writerCtx, { query: "SELECT 1; UPDATE orders SET amount = 0" }, runLimits(writerCtx)));
      expect(error.type).toBe("config");
      expect(await t.ordersFingerprint()).toBe(before);
    });

    it("cancels a query at the statement timeout", async () => {
      const started = Date.now();
      const error = await connectorErrorFrom(fetch(t.sql.sleep5, { statementTimeoutSeconds: 1 }));
      expect(error).toMatchObject({ type: "transient", message: expect.stringMatching(new RegExp(`longer than the 1 s statement timeout and ${t.engine} cancelled it`)) });
      expect(Date.now() - started).toBeLessThan(4_000);
      // The pooled session is usable afterwards.
      expect(await fetch("SELECT count(*) FROM orders")).toMatchObject({ value: 3 });
    });
  });

  describe("clear errors", () => {
    it("wrong password → authentication", async () => {
      const error = await connectorErrorFrom(fetch("SELECT 1", {}, { user: t.reader.user, password: "not-the-password" }));
      expect(error).toMatchObject({ type: "auth", message: expect.stringContaining(`${t.engine} refused the login ${t.reader.user}`) });
      expect(error.message).not.toContain("not-the-password");
    });

    it("unknown database", async () => {
      const error = await connectorErrorFrom(fetch("SELECT 1", { database: "no_such_db" }));
      expect(error).toMatchObject({ type: "config", message: `${t.engine} has no database no_such_db (or this login may not use it).` });
    });

    it("permission denied names the table", async () => {
      const error = await connectorErrorFrom(fetch("SELECT count(*) FROM salaries"));
      expect(error).toMatchObject({ type: "config", message: expect.stringMatching(new RegExp(`^Permission denied by ${t.engine}: .*salaries.*Grant the connection's login SELECT`)) });
    });

    it("a syntax error says where, and an unknown table is named", async () => {
      const error = await connectorErrorFrom(fetch("SELECT count(*)\nFROM orders\nWHERE"));
      expect(error.type).toBe("config");
      expect(error.message).toMatch(new RegExp(`^${t.engine} cannot run the query: `));
      expect(error.message).toMatch(t.sql.syntaxPosition);
      const missing = await connectorErrorFrom(fetch("SELECT count(*) FROM no_such_table"));
      expect(missing).toMatchObject({ type: "config", message: expect.stringContaining("no_such_table") });
    });

    it("a closed port cannot connect; an unknown host name is named", async () => {
      const error = await connectorErrorFrom(t.definition.testConnection(ctx({ port: 1 })));
      expect(error).toMatchObject({ type: "transient", message: expect.stringMatching(new RegExp(`^Cannot connect to ${t.engine} at localhost:1/`)) });
      const unknown = await connectorErrorFrom(t.definition.testConnection(ctx({ host: "no-such-host.invalid" })));
      expect(unknown).toMatchObject({ type: "config", message: `The host name no-such-host.invalid of this ${t.engine} connection does not resolve.` });
    });
  });

  describe("TLS", () => {
    it("verify-full checks the host name; verify-ca only the CA", async () => {
      const wrongName = await connectorErrorFrom(t.definition.testConnection(ctx({ host: "127.0.0.1" })));
      expect(wrongName).toMatchObject({ type: "config", message: expect.stringMatching(new RegExp(`^TLS with ${t.engine} failed: .*(IP|altnames|host)`)) });
      await expect(t.definition.testConnection(ctx({ host: "127.0.0.1", tls: "verify-ca" }))).resolves.toMatchObject({ message: expect.stringContaining("Connected") });
    });

    it("without the CA the self-signed chain is refused; require encrypts without checking", async () => {
      const unknownCa = await connectorErrorFrom(t.definition.testConnection(ctx({ caCertificate: undefined })));
      expect(unknownCa).toMatchObject({ type: "config", message: expect.stringMatching(new RegExp(`^TLS with ${t.engine} failed: .*certificate`)) });
      await expect(t.definition.testConnection(ctx({ caCertificate: undefined, tls: "require" }))).resolves.toMatchObject({ message: expect.stringContaining("Connected") });
    });

    it("a server without TLS is refused unless TLS is disabled", async () => {
      for (const tls of ["require", "verify-full"] as const) {
        const error = await connectorErrorFrom(t.definition.testConnection(ctx({ port: t.plainPort, tls })));
        expect(error, tls).toMatchObject({ type: "config", message: expect.stringMatching(new RegExp(`^TLS with ${t.engine} failed: `)) });
      }
      // The plain twin has no test database or logins; the login is refused, proving TLS was not the problem.
      const plain = await connectorErrorFrom(t.definition.testConnection(ctx({ port: t.plainPort, tls: "disable" })));
      expect(plain.type).toBe("auth");
    });
  });

  describe("pools", () => {
    it("a connection's pool closes once idle, ending its server sessions", async () => {
      const { engine, pools } = t.engineWithPools(300);
      const idleCtx = ctx({}, t.idler);
      expect((await engine.run(idleCtx, { query: "SELECT 1" }, runLimits(idleCtx))).rows).toEqual([[expect.anything()]]);
      expect(pools.size).toBe(1);
      expect(await t.sessionsOf(t.idler.user)).toBeGreaterThan(0);
      await expect.poll(() => pools.size, { timeout: 5_000 }).toBe(0);
      await expect.poll(() => t.sessionsOf(t.idler.user), { timeout: 5_000 }).toBe(0);
    });
  });
}
