import { execFileSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeProtectedHeader, importX509, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import adx from "../../../sync/connectors/azuredataexplorer/index.js";
import { kqlQueryProblem } from "../../../sync/connectors/azuredataexplorer/kql.js";
import { closeKustoClients } from "../../../sync/connectors/azuredataexplorer/session.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import { RateLimitedError } from "../../../sync/connectors/errors.js";
import { FakeKusto, entraToken, kustoFixture, kustoRows } from "../../support/fakeKusto.js";
import { guardNock } from "../../support/nockGuard.js";
import { closedLoopbackPort } from "../../support/loopback.js";
import { connectorErrorFrom } from "../../support/thrown.js";

/**
 * The "azuredataexplorer" connector driven through the real azure-kusto-data and @azure/identity:
 * the cluster is a loopback server answering /v2/rest/query with v2 frames
 * (tests/support/fakeKusto.ts), Entra's token endpoint is simulated with nock. Each test checks
 * what was sent (read-only request properties, the query text) as well as the result.
 */
const log = createLogger("silent");
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const SECRET = "kusto~client~secret~value";
const QUERY = "Signups | where Timestamp > ago(30d) | count";
const cluster = new FakeKusto();

beforeAll(async () => {
  await cluster.start();
});
afterEach(async () => {
  await closeKustoClients();
  cluster.queries.length = 0;
});
afterAll(async () => {
  await cluster.stop();
});
guardNock("Microsoft Entra");

function ctx(config: Record<string, unknown> = {}, secrets: Record<string, unknown> = { clientSecret: SECRET }, deadlineMs = 60_000) {
  return connectorContext({
    config: adx.schemas.connectionConfig.parse({ clusterUrl: cluster.url, database: "Shop", tenantId: TENANT, clientId: CLIENT_ID, ...config }),
    secrets: adx.schemas.secrets.parse(secrets),
    log,
    deadlineMs,
  });
}
const source = (query = QUERY) => adx.schemas.sourceConfig.parse({ query });
const answering = (answer: ReturnType<typeof kustoRows>) => (csl: string) => (csl === QUERY ? answer : kustoFixture("error-syntax"));

describe("azuredataexplorer: test connection and fetch", () => {
  it("signs in as the app, runs a read-only request and describes the cluster", async () => {
    entraToken(TENANT, undefined, (form) => {
      expect(Object.fromEntries(["grant_type", "client_id", "client_secret", "scope"].map((k) => [k, form.get(k)]))).toEqual({
        grant_type: "client_credentials",
        client_id: CLIENT_ID,
        client_secret: SECRET,
        scope: "https://kusto.kusto.windows.net/.default",
      });
    });
    const result = await adx.testConnection(ctx());
    expect(result.message).toBe(
      `Connected to Azure Data Explorer at ${cluster.url} (database Shop) as app ${CLIENT_ID} (cluster ${cluster.url}, database Shop). Queries run read-only with a 30 s statement timeout.`,
    );
    expect(cluster.queries[0]!.headers.authorization).toBe(`Bearer ${kustoFixture("entra-token").body.access_token}`);
  });

  it("sends request_readonly, the server timeout, a 2-record cap and the app name, and returns the count", async () => {
    entraToken(TENANT);
    cluster.answer = answering(kustoFixture("query-count"));
    const value = await adx.fetchValue!(ctx(), source());
    expect(value.value).toBe(42);
    const sent = cluster.queries[0]!;
    expect(sent.body.db).toBe("Shop");
    expect(sent.body.csl).toBe(QUERY);
    expect(sent.body.properties?.Options).toEqual({
      request_readonly: true,
      request_readonly_hardline: true,
      query_take_max_records: 2,
      request_app_name: "Pacer",
      servertimeout: "00:00:30.000",
    });
    expect(sent.headers["x-ms-app"]).toBe("Pacer");
  });

  it("keeps every digit of a long beyond 2^53 and reads decimal (sent as text), int and real", async () => {
    entraToken(TENANT);
    cluster.answer = answering(kustoRows([["Total", "long"]], [], "[[9007199254740993]]"));
    const big = await adx.fetchValue!(ctx(), source());
    expect(big.value).toBe(9007199254740992);
    expect(big.details).toMatch(/^Exact value 9007199254740993; /);
    for (const [type, cell, expected] of [
      ["decimal", "12345678901234567890.125", 12345678901234567890.125],
      ["int", 7, 7],
      ["real", 0.25, 0.25],
    ] as const) {
      cluster.answer = answering(kustoRows([["Value", type]], [[cell]]));
      expect((await adx.fetchValue!(ctx(), source())).value).toBe(expected);
    }
  });

  it("names what came back when it is not one number", async () => {
    entraToken(TENANT);
    const cases: Array<[ReturnType<typeof kustoRows>, RegExp]> = [
      [kustoRows([["Count", "long"]], [[1], [2]]), /more than one row/],
      [kustoRows([["Count", "long"]], []), /no rows/],
      [kustoRows([["Count", "long"]], [[null]]), /NULL in column `Count`/i],
      [kustoRows([["Name", "string"]], [["Ada"]]), /column `Name` is string; it must be a number/i],
      [kustoRows([["A", "long"], ["B", "long"]], [[1, 2]]), /2 columns \(`A`, `B`\)/],
    ];
    for (const [answer, message] of cases) {
      cluster.answer = answering(answer);
      const error = await connectorErrorFrom(adx.fetchValue!(ctx(), source()));
      expect(error.type).toBe("resultShape");
      expect(error.message).toMatch(message);
    }
  });

  it("refuses control commands, set statements, two queries and callouts before anything is sent", async () => {
    const refused: Array<[string, RegExp]> = [
      [".drop table Signups", /control command/],
      ["// clean up\n  .set-or-append Signups <| print 1", /control command/],
      ["Signups | count; .drop table Signups", /control command/],
      ["set request_readonly=false; Signups | count", /set statement/],
      ["Signups | count; Orders | count", /more than one query statement/],
      ["evaluate sql_request('Server=tcp:x;Database=y', 'DELETE FROM t')", /sql_request/],
      ["let n = 1;", /ends with a let/],
    ];
    for (const [text, message] of refused) {
      const error = await connectorErrorFrom(adx.fetchValue!(ctx(), source(text)));
      expect(error.type).toBe("config");
      expect(error.message).toMatch(message);
    }
    expect(cluster.queries).toEqual([]);
  });

  it("maps a bad client secret, a database the app may not read, an unknown table, a syntax error, a timeout and throttling", async () => {
    entraToken(TENANT, kustoFixture("entra-invalid-secret"));
    const auth = await connectorErrorFrom(adx.fetchValue!(ctx({}, { clientSecret: "wrong" }), source()));
    expect(auth.type).toBe("auth");
    expect(auth.message).toMatch(new RegExp(`^Microsoft Entra refused the app ${CLIENT_ID}: AADSTS7000215: Invalid client secret provided\\.`));
    expect(auth.message).not.toContain("wrong");

    entraToken(TENANT);
    const expectations: Array<[string, string, RegExp]> = [
      ["error-forbidden", "config", /Permission denied by Azure Data Explorer: Principal 'aadapp=.*' is not authorized to read database 'Shop'\. Give the app .* the viewer role on database Shop/],
      ["error-semantic-table", "config", /Failed to resolve table expression named 'Payroll'\. Check the table and column names/],
      ["error-syntax", "config", /cannot run the query: Syntax error: SYN0002: A recognition error occurred\. \[line:position=1:18\] \(at line 1, position 18\)/],
      ["error-timeout-in-stream", "transient", /ran longer than the 30 s statement timeout/],
    ];
    for (const [fixture, type, message] of expectations) {
      cluster.answer = answering(kustoFixture(fixture));
      const error = await connectorErrorFrom(adx.fetchValue!(ctx(), source()));
      expect(error.type).toBe(type);
      expect(error.message).toMatch(message);
    }
    cluster.answer = answering(kustoFixture("error-throttled"));
    const throttled = await connectorErrorFrom(adx.fetchValue!(ctx(), source()));
    expect(throttled).toBeInstanceOf(RateLimitedError);
    expect((throttled as RateLimitedError).retryAfterMs).toBe(12_000);
  });

  it("cannot connect to a closed port", async () => {
    const closed = await closedLoopbackPort();
    const error = await connectorErrorFrom(adx.testConnection(ctx({ clusterUrl: `http://127.0.0.1:${closed}` })));
    expect(error.type).toBe("transient");
    expect(error.message).toMatch(/Cannot connect to Azure Data Explorer at http:\/\/127\.0\.0\.1:\d+: the server refused the connection/);
  });
});

describe("azuredataexplorer: certificate sign-in", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pacer-adx-cert-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "2", "-subj", "/CN=pacer-adx-test"], { stdio: "ignore" });
  const certPem = readFileSync(path.join(dir, "cert.pem"), "utf8");
  const certificate = `${certPem}${readFileSync(path.join(dir, "key.pem"), "utf8")}`;

  it("sends a client assertion signed by the certificate's key, naming its thumbprint", async () => {
    let assertion = "";
    entraToken(TENANT, undefined, (form) => {
      expect(form.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      expect(form.get("client_secret")).toBeNull();
      assertion = form.get("client_assertion")!;
    });
    cluster.answer = answering(kustoFixture("query-count"));
    expect((await adx.fetchValue!(ctx({ authentication: "certificate" }, { certificate }), source())).value).toBe(42);
    const header = decodeProtectedHeader(assertion);
    const sha256 = createHash("sha256").update(new X509Certificate(certPem).raw).digest("base64url");
    const sha1 = createHash("sha1").update(new X509Certificate(certPem).raw).digest("base64url");
    expect([header["x5t#S256"], header.x5t]).toContain(header["x5t#S256"] ? sha256 : sha1);
    const { payload } = await jwtVerify(assertion, await importX509(certPem, String(header.alg)), { clockTolerance: 60 });
    expect(payload).toMatchObject({ iss: CLIENT_ID, sub: CLIENT_ID, aud: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token` });
  });

  it("refuses a PEM without its private key, or with someone else's", () => {
    expect(JSON.stringify(adx.schemas.secrets.safeParse({ certificate: certPem }).error?.issues)).toMatch(/holds no private key/);
    const other = execFileSync("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]).toString();
    expect(JSON.stringify(adx.schemas.secrets.safeParse({ certificate: certPem + other }).error?.issues)).toMatch(/does not belong to the certificate/);
  });
});

describe("azuredataexplorer: KQL check", () => {
  it("accepts let statements before one query, and ignores ; and dots inside strings and comments", () => {
    expect(kqlQueryProblem("let since = ago(30d);\nlet t = Signups | where Timestamp > since;\nt | count")).toBeNull();
    expect(kqlQueryProblem("Signups | where Name == 'a;b' or Name == @\"c\"\"; .drop\" // ; .drop table x\n| count")).toBeNull();
    expect(kqlQueryProblem("Signups | count;")).toBeNull();
    expect(kqlQueryProblem("Signups | where Name == 'open")).toMatch(/never closed/);
    expect(kqlQueryProblem("   ")).toBe("The query is empty.");
  });
});
