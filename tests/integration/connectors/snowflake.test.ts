import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { importSPKI, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import snowflake from "../../../sync/connectors/snowflake/index.js";
import { closeSnowflakePools } from "../../../sync/connectors/snowflake/session.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import { RateLimitedError } from "../../../sync/connectors/errors.js";
import { FakeSnowflake, snowflakeFixture, snowflakeRows } from "../../support/fakeSnowflake.js";
import { closedLoopbackPort } from "../../support/loopback.js";
import { connectorErrorFrom } from "../../support/thrown.js";

/**
 * The "snowflake" connector driven through the real snowflake-sdk against a loopback server that
 * answers as Snowflake's driver endpoints (tests/support/fakeSnowflake.ts, fixtures in
 * tests/fixtures/snowflake). Each test asserts what the driver sent as well as what came back.
 */
const log = createLogger("silent");
const server = new FakeSnowflake();
const QUERY = "SELECT COUNT(*) AS signups FROM shop.public.signups";

beforeAll(async () => {
  await server.start();
});
afterEach(async () => {
  await closeSnowflakePools();
  server.reset();
});
afterAll(async () => {
  await server.stop();
});

function ctx(config: Record<string, unknown> = {}, secrets: Record<string, unknown> = { password: "correct horse battery staple" }, deadlineMs = 60_000) {
  return connectorContext({
    config: snowflake.schemas.connectionConfig.parse({
      account: "myorg-myaccount",
      accessUrl: server.url,
      warehouse: "PACER_WH",
      role: "PACER_READER",
      database: "SHOP",
      user: "pacer_reader",
      ...config,
    }),
    secrets: snowflake.schemas.secrets.parse(secrets),
    log,
    deadlineMs,
  });
}
const source = (query = QUERY) => snowflake.schemas.sourceConfig.parse({ query });

const answering = (answer: ReturnType<typeof snowflakeFixture>) => (sql: string) => (sql === QUERY ? answer : snowflakeFixture("error-syntax"));

describe("snowflake: test connection and fetch", () => {
  it("signs in with the connection's warehouse, role and database and describes the server", async () => {
    const result = await snowflake.testConnection(ctx());
    expect(result.message).toBe(
      `Connected to Snowflake at ${server.url} (database SHOP) as pacer_reader (Snowflake 9.38.1, warehouse PACER_WH, role PACER_READER). Queries run read-only with a 30 s statement timeout.`,
    );
    const login = server.requests.find((r) => r.path === "/session/v1/login-request")!;
    expect(Object.fromEntries(["warehouse", "databaseName", "roleName"].map((k) => [k, login.query.get(k)]))).toEqual({ warehouse: "PACER_WH", databaseName: "SHOP", roleName: "PACER_READER" });
    expect(login.body.data).toMatchObject({ LOGIN_NAME: "pacer_reader", PASSWORD: "correct horse battery staple", ACCOUNT_NAME: "myorg-myaccount" });
  });

  it("runs one statement with MULTI_STATEMENT_COUNT 1, the statement timeout and a 2-row cap, and returns the number", async () => {
    server.query = answering(snowflakeFixture("query-number"));
    const value = await snowflake.fetchValue!(ctx(), source());
    expect(value.value).toBe(42);
    expect(value.details).toMatch(/^The read-only query on Snowflake took \d+ ms$/);
    const sent = server.requests.find((r) => r.path === "/queries/v1/query-request")!;
    expect(sent.body.sqlText).toBe(QUERY);
    expect(sent.body.parameters).toMatchObject({ MULTI_STATEMENT_COUNT: 1, STATEMENT_TIMEOUT_IN_SECONDS: 30, ROWS_PER_RESULTSET: 2 });
    expect(sent.headers.authorization).toBe('Snowflake Token="ver:1-hint:1234-ETMsDgAAAYAAAAAA-session"');
  });

  it("caps the statement timeout by the call's deadline", async () => {
    server.query = answering(snowflakeFixture("query-number"));
    await snowflake.fetchValue!(ctx({ statementTimeoutSeconds: 120 }, undefined, 10_000), source());
    const sent = server.requests.find((r) => r.path === "/queries/v1/query-request")!;
    expect(sent.body.parameters.STATEMENT_TIMEOUT_IN_SECONDS).toBeGreaterThanOrEqual(8);
    expect(sent.body.parameters.STATEMENT_TIMEOUT_IN_SECONDS).toBeLessThanOrEqual(9);
  });

  it("keeps every digit of a NUMBER(38,0) and reads NUMBER(10,2) and FLOAT", async () => {
    server.query = answering(snowflakeRows([{ name: "BIG", type: "fixed", scale: 0, precision: 38 }], [["123456789012345678901234567890"]]));
    const big = await snowflake.fetchValue!(ctx(), source());
    expect(big.value).toBe(1.2345678901234568e29);
    expect(big.details).toMatch(/^Exact value 123456789012345678901234567890; /);

    server.query = answering(snowflakeRows([{ name: "REVENUE", type: "fixed", scale: 2, precision: 10 }], [["1234.50"]]));
    expect((await snowflake.fetchValue!(ctx(), source())).value).toBe(1234.5);
    server.query = answering(snowflakeRows([{ name: "RATIO", type: "real" }], [["0.125"]]));
    expect((await snowflake.fetchValue!(ctx(), source())).value).toBe(0.125);
  });

  it("names what came back when it is not one number", async () => {
    const cases: Array<[ReturnType<typeof snowflakeRows>, RegExp]> = [
      [snowflakeRows([{ name: "N", type: "fixed", scale: 0 }], [["1"], ["2"]]), /more than one row/],
      [snowflakeRows([{ name: "N", type: "fixed", scale: 0 }], []), /no rows/],
      [snowflakeRows([{ name: "N", type: "fixed", scale: 0 }], [[null]]), /NULL in column `N`/i],
      [snowflakeRows([{ name: "NAME", type: "text" }], [["Ada"]]), /column `NAME` is TEXT; it must be a number/i],
      [snowflakeRows([{ name: "A", type: "fixed" }, { name: "B", type: "fixed" }], [["1", "2"]]), /2 columns \(`A`, `B`\)/],
    ];
    for (const [answer, message] of cases) {
      server.query = answering(answer);
      const error = await connectorErrorFrom(snowflake.fetchValue!(ctx(), source()));
      expect(error.type).toBe("resultShape");
      expect(error.message).toMatch(message);
    }
  });

  it("refuses DML and a second statement before anything is sent", async () => {
    const dml = await connectorErrorFrom(snowflake.fetchValue!(ctx(), source("DELETE FROM shop.public.signups")));
    expect(dml).toMatchObject({ type: "config" });
    expect(dml.message).toMatch(/starts with DELETE/);
    const two = await connectorErrorFrom(snowflake.fetchValue!(ctx(), source("SELECT 1; DROP TABLE shop.public.signups")));
    expect(two.message).toMatch(/more than one statement/);
    expect(server.requests).toEqual([]);
  });

  it("maps a wrong password, an object the role may not read, a syntax error, a timeout and no warehouse", async () => {
    server.login = () => snowflakeFixture("login-bad-password");
    const auth = await connectorErrorFrom(snowflake.fetchValue!(ctx({}, { password: "wrong" }), source()));
    expect(auth.type).toBe("auth");
    expect(auth.message).toBe("Snowflake refused the login pacer_reader: Incorrect username or password was specified. Check the user name and password.");
    server.reset();

    const expectations: Array<[string, string, RegExp]> = [
      ["error-object-not-authorized", "config", /Permission denied by Snowflake: SQL compilation error: Object 'SHOP\.PUBLIC\.PAYROLL' does not exist or not authorized/],
      ["error-syntax", "config", /syntax error line 1 at position 17 unexpected 'FORM' \(at line 1, position 17\)/],
      ["error-timeout", "transient", /ran longer than the 30 s statement timeout and Snowflake cancelled it/],
      ["error-no-warehouse", "config", /no active warehouse .*warehouse PACER_WH exists and the role PACER_READER has USAGE/],
    ];
    for (const [fixture, type, message] of expectations) {
      server.query = answering(snowflakeFixture(fixture));
      const error = await connectorErrorFrom(snowflake.fetchValue!(ctx(), source()));
      expect({ type: error.type, message: error.message }).toMatchObject({ type });
      expect(error.message).toMatch(message);
    }
  });

  it("a 429 on sign-in is rate limited with Snowflake's Retry-After", async () => {
    server.login = () => ({ status: 429, body: {}, headers: { "retry-after": "7" } });
    const error = await connectorErrorFrom(snowflake.testConnection(ctx()));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7_000);
  });

  it("cannot connect to a closed port", async () => {
    const closed = await closedLoopbackPort();
    const error = await connectorErrorFrom(snowflake.testConnection(ctx({ accessUrl: `http://127.0.0.1:${closed}` })));
    expect(error.type).toBe("transient");
    expect(error.message).toMatch(/^Cannot connect to Snowflake at http:\/\/127\.0\.0\.1:\d+: the server refused the connection/);
  });

  it("a password connection without a password says so and sends nothing", async () => {
    const error = await connectorErrorFrom(snowflake.fetchValue!(ctx({}, {}), source()));
    expect(error.message).toMatch(/signs in with a password, but none is stored/);
    expect(server.requests).toEqual([]);
  });
});

describe("snowflake: key-pair sign-in", () => {
  const passphrase = "pacer key passphrase";
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const fingerprint = `SHA256:${createHash("sha256").update(createPublicKey(publicKey).export({ type: "spki", format: "der" })).digest("base64")}`;

  it("signs a JWT with the configured (encrypted) key, which verifies against the public key", async () => {
    server.query = answering(snowflakeFixture("query-number"));
    const value = await snowflake.fetchValue!(ctx({ authentication: "keyPair" }, { privateKey, privateKeyPassphrase: passphrase }), source());
    expect(value.value).toBe(42);
    const login = server.requests.find((r) => r.path === "/session/v1/login-request")!;
    expect(login.body.data.AUTHENTICATOR).toBe("SNOWFLAKE_JWT");
    expect(login.body.data.PASSWORD).toBeUndefined();
    const { payload } = await jwtVerify(login.body.data.TOKEN, await importSPKI(publicKey, "RS256"));
    expect(payload).toMatchObject({ iss: `MYORG-MYACCOUNT.PACER_READER.${fingerprint}`, sub: "MYORG-MYACCOUNT.PACER_READER" });
  });

  it("refuses a key with the wrong passphrase or none in the form", () => {
    const wrong = snowflake.schemas.secrets.safeParse({ privateKey, privateKeyPassphrase: "nope" });
    expect(wrong.success).toBe(false);
    expect(JSON.stringify(wrong.error?.issues)).toMatch(/wrong passphrase/);
    const none = snowflake.schemas.secrets.safeParse({ privateKey });
    expect(JSON.stringify(none.error?.issues)).toMatch(/the key is encrypted: enter its passphrase/);
  });

  it("maps Snowflake's 390144 (JWT invalid: a key not registered for the user) to auth", async () => {
    server.login = () => snowflakeFixture("login-jwt-invalid");
    const error = await connectorErrorFrom(snowflake.testConnection(ctx({ authentication: "keyPair" }, { privateKey, privateKeyPassphrase: passphrase })));
    expect(error.type).toBe("auth");
    expect(error.message).toMatch(/JWT token is invalid/);
  });
});

describe("snowflake: connection form", () => {
  it("accepts account identifiers and refuses URLs and plain-http addresses off this machine", () => {
    const parse = (patch: Record<string, unknown>) =>
      snowflake.schemas.connectionConfig.safeParse({ account: "myorg-myaccount", warehouse: "WH", role: "R", database: "DB", user: "u", ...patch }).success;
    expect(parse({ account: "xy12345.east-us-2.azure" })).toBe(true);
    expect(parse({ account: "https://myorg-myaccount.snowflakecomputing.com" })).toBe(false);
    expect(parse({ accessUrl: "https://myorg-myaccount.privatelink.snowflakecomputing.com" })).toBe(true);
    expect(parse({ accessUrl: "http://proxy.example.com" })).toBe(false);
    expect(parse({ warehouse: "WH; DROP" })).toBe(false);
  });
});
