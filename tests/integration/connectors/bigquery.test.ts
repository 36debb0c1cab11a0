import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importSPKI, jwtVerify } from "jose";
import nock from "nock";
import { beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import bigquery from "../../../sync/connectors/bigquery/index.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import { RateLimitedError } from "../../../sync/connectors/errors.js";
import { decideRetry } from "../../../sync/retryPolicy.js";
import { guardNock } from "../../support/nockGuard.js";
import { BIGQUERY_PROJECT, makeServiceAccountKey } from "../../fixtures/bigquery/serviceAccountKey.js";
import { connectorErrorFrom } from "../../support/thrown.js";

/**
 * The BigQuery connector against a simulated Google: every answer comes from a fixture shaped as
 * the BigQuery REST reference documents it (tests/fixtures/bigquery/*.json, doc URL in each).
 */
const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/bigquery");
interface Fixture {
  doc: string;
  status: number;
  body: Record<string, any>;
}
const fixture = (name: string): Fixture => JSON.parse(readFileSync(path.join(fixturesDir, `${name}.json`), "utf8")) as Fixture;

const API = "https://bigquery.googleapis.com";
const TOKEN_HOST = "https://oauth2.googleapis.com";
const PROJECT = BIGQUERY_PROJECT;
const BASE = `/bigquery/v2/projects/${PROJECT}`;
const log = createLogger("silent");

let publicKey: KeyObject;
let serviceAccountKey: string;

beforeAll(() => {
  ({ json: serviceAccountKey, publicKey } = makeServiceAccountKey());
});

guardNock("Google");

type Body = Record<string, any>;

/** The JWT-bearer token exchange; checks the assertion is signed by the key's private key. */
function tokenExchange(answer: Fixture = fixture("token")) {
  return nock(TOKEN_HOST)
    .post("/token", (body: Body) => body.grant_type === "urn:ietf:params:oauth:grant-type:jwt-bearer" && typeof body.assertion === "string")
    .reply(async (_uri, body) => {
      const assertion = new URLSearchParams(String(body)).get("assertion") ?? (body as Body).assertion;
      const key = await importSPKI(publicKey.export({ type: "spki", format: "pem" }) as string, "RS256");
      const { payload } = await jwtVerify(assertion as string, key, { audience: "https://oauth2.googleapis.com/token" });
      expect(payload.iss).toBe(`pacer-reader@${PROJECT}.iam.gserviceaccount.com`);
      expect(String(payload.scope)).toContain("https://www.googleapis.com/auth/bigquery");
      return [answer.status, answer.body];
    });
}

/** A dry run (jobs.insert, `dryRun: true`) answered with the SELECT fixture, patched. */
function dryRun(patch: (job: Body) => void = () => {}, check: (body: Body) => boolean = () => true, api = API) {
  const answer = fixture("dryrun-select");
  patch(answer.body);
  return nock(api)
    .post(
      `${BASE}/jobs`,
      (body: Body) =>
        body.configuration?.dryRun === true && body.configuration?.query?.useLegacySql === false && /^pacer_dryrun_[0-9a-f]{32}$/.test(body.jobReference?.jobId) && check(body),
    )
    .query({ prettyPrint: "false" })
    .reply(answer.status, answer.body);
}

function jobsQuery(answer: Fixture, check: (body: Body) => boolean = () => true, api = API) {
  return nock(api)
    .post(`${BASE}/queries`, (body: Body) => body.useLegacySql === false && check(body))
    .query({ prettyPrint: "false" })
    .reply(answer.status, answer.body);
}

function completeWith(cells: Array<{ v: unknown }[]>, fields: Body[], totalRows = String(cells.length)): Fixture {
  const answer = fixture("query-complete");
  answer.body.schema = { fields };
  answer.body.rows = cells.map((f) => ({ f }));
  answer.body.totalRows = totalRows;
  return answer;
}

const baseConfig = { projectId: PROJECT, credentials: "serviceAccountKey" as const, maximumBytesBilled: 1_000_000_000, timeoutSeconds: 25 };
function ctx(config: Partial<typeof baseConfig & { location: string; apiEndpoint: string }> = {}, options: { deadlineMs?: number } = {}) {
  return connectorContext({
    config: bigquery.schemas.connectionConfig.parse({ ...baseConfig, ...config }),
    secrets: bigquery.schemas.secrets.parse({ serviceAccountKey }),
    log,
    ...options,
  });
}
const source = (query = "SELECT COUNT(*) AS signups FROM `pacer-analytics.shop.signups`") => bigquery.schemas.sourceConfig.parse({ query });

describe("bigquery: fetchValue", () => {
  it("dry-runs, runs with maximumBytesBilled and a job timeout, and returns the one number", async () => {
    tokenExchange();
    dryRun(undefined, (body) => body.configuration.query.maximumBytesBilled === "1000000000");
    jobsQuery(
      fixture("query-complete"),
      (body) => body.maximumBytesBilled === "1000000000" && body.jobTimeoutMs === "25000" && typeof body.timeoutMs === "number" && typeof body.requestId === "string",
    );
    const value = await bigquery.fetchValue!(ctx(), source());
    expect(value.value).toBe(42);
    expect(value.details).toBe("Dry run would scan 1.2 MB (limit 1 GB); scanned 1.2 MB, billed 10.5 MB");
  });

  it("waits for a job that is not complete yet with getQueryResults", async () => {
    tokenExchange();
    dryRun();
    jobsQuery(fixture("query-incomplete"));
    nock(API)
      .get(`${BASE}/queries/job_Xb4h2pQ1o9kRzT3mVqLw8eYc`)
      .query((q) => q.prettyPrint === "false" && q.location === "US" && q.maxResults === "2" && Number(q.timeoutMs) > 0)
      .reply(200, fixture("getqueryresults-incomplete").body)
      .get(`${BASE}/queries/job_Xb4h2pQ1o9kRzT3mVqLw8eYc`)
      .query(true)
      .reply(200, fixture("getqueryresults-complete").body);
    expect((await bigquery.fetchValue!(ctx(), source())).value).toBe(57);
  });

  it("sends the location and uses an http:// API endpoint override (Private Service Connect)", async () => {
    const psc = "http://127.0.0.1:9";
    tokenExchange();
    dryRun((job) => (job.jobReference.location = "EU"), (body) => body.jobReference.location === "EU", psc);
    jobsQuery(fixture("query-complete"), (body) => body.location === "EU", psc);
    expect((await bigquery.fetchValue!(ctx({ location: "EU", apiEndpoint: `${psc}/` }), source())).value).toBe(42);
  });

  it.each([
    ["INSERT", /DML statement \(INSERT\)/],
    ["UPDATE", /DML statement \(UPDATE\)/],
    ["DELETE", /DML statement \(DELETE\)/],
    ["MERGE", /DML statement \(MERGE\)/],
    ["CREATE_TABLE", /DDL statement \(CREATE_TABLE\)/],
    ["CREATE_TABLE_AS_SELECT", /DDL statement \(CREATE_TABLE_AS_SELECT\)/],
    ["DROP_TABLE", /DDL statement \(DROP_TABLE\)/],
    ["ALTER_TABLE", /DDL statement \(ALTER_TABLE\)/],
    ["SCRIPT", /script \(several statements\)/],
    ["EXPORT_DATA", /EXPORT_DATA statement/],
  ])("refuses a %s statement after the dry run, without running it", async (statementType, reason) => {
    tokenExchange();
    dryRun((job) => {
      job.statistics.query.statementType = statementType;
      delete job.statistics.query.schema;
    });
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source("DELETE FROM shop.signups WHERE TRUE")));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(reason);
    expect(error.message).toContain("only a single SELECT statement is accepted");
  });

  it("refuses before running when the dry run says the query scans more than the limit", async () => {
    tokenExchange();
    dryRun((job) => {
      job.statistics.totalBytesProcessed = "3200000000";
      job.statistics.query.totalBytesProcessed = "3200000000";
    });
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/would scan 3.2 GB, over this connection's limit of 1 GB/);
  });

  it("bytesBilledLimitExceeded from the run is a config error naming the limit", async () => {
    tokenExchange();
    dryRun();
    jobsQuery(fixture("error-bytes-billed-limit"));
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/would bill more than this connection's limit of 1 GB/);
  });

  it("names the row count when the query returns several rows", async () => {
    tokenExchange();
    dryRun();
    jobsQuery(completeWith([[{ v: "1" }], [{ v: "2" }]], [{ name: "signups", type: "INTEGER", mode: "NULLABLE" }], "3"));
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()));
    expect(error.type).toBe("resultShape");
    expect(error.message).toMatch(/returned 3 rows/);
  });

  it("names the column and its type when it is not numeric (caught by the dry run's schema)", async () => {
    tokenExchange();
    dryRun((job) => (job.statistics.query.schema = { fields: [{ name: "name", type: "STRING", mode: "NULLABLE" }] }));
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source("SELECT name FROM shop.signups LIMIT 1")));
    expect(error.type).toBe("resultShape");
    expect(error.message).toMatch(/Column `name` is STRING/);
  });

  it("names the columns when there are several", async () => {
    tokenExchange();
    dryRun((job) => (job.statistics.query.schema = { fields: [{ name: "a", type: "INTEGER" }, { name: "b", type: "FLOAT" }] }));
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source("SELECT 1 AS a, 2.0 AS b")));
    expect(error.type).toBe("resultShape");
    expect(error.message).toMatch(/2 columns \(`a`, `b`\)/);
  });

  it("NULL is a result-shape error", async () => {
    tokenExchange();
    dryRun();
    jobsQuery(completeWith([[{ v: null }]], [{ name: "signups", type: "INTEGER", mode: "NULLABLE" }]));
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()));
    expect(error.type).toBe("resultShape");
    expect(error.message).toMatch(/returned NULL in `signups`/);
  });

  it("no rows is a result-shape error", async () => {
    tokenExchange();
    dryRun();
    jobsQuery(completeWith([], [{ name: "signups", type: "INTEGER", mode: "NULLABLE" }], "0"));
    expect((await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()))).message).toMatch(/returned no rows/);
  });

  it.each([
    ["INTEGER", "9223372036854775807", 9223372036854775807, "9223372036854775807"],
    ["NUMERIC", "12345678901234567890.123456789", 12345678901234567890.123456789, "12345678901234567890.123456789"],
    ["BIGNUMERIC", "578960446186580977117854925043439539266.34992332820282019728792003956564819967", 5.7896044618658097e38, "578960446186580977117854925043439539266.34992332820282019728792003956564819967"],
    ["NUMERIC", "2.50", 2.5, null],
    ["FLOAT", "1.0E20", 1e20, null],
  ])("%s %s: the value, with the exact decimal kept in details when a double loses it", async (type, raw, expected, exact) => {
    tokenExchange();
    dryRun((job) => (job.statistics.query.schema = { fields: [{ name: "total", type, mode: "NULLABLE" }] }));
    jobsQuery(completeWith([[{ v: raw }]], [{ name: "total", type, mode: "NULLABLE" }]));
    const value = await bigquery.fetchValue!(ctx(), source("SELECT SUM(amount) AS total FROM shop.orders"));
    expect(value.value).toBe(expected);
    if (exact) expect(value.details).toContain(`Exact value ${exact}`);
    else expect(value.details).not.toContain("Exact value");
  });

  it("invalidQuery keeps BigQuery's message and position", async () => {
    tokenExchange();
    const answer = fixture("error-invalid-query");
    nock(API).post(`${BASE}/jobs`).query(true).reply(answer.status, answer.body);
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source("SELECT COUNT(*) FORM shop.signups")));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/line 1, column 24/);
    expect(error.message).toContain('Expected end of input but got identifier "FORM"');
  });

  it("a 403 naming a missing permission says which one and whom to grant", async () => {
    tokenExchange();
    const answer = fixture("error-access-denied");
    nock(API).post(`${BASE}/jobs`).query(true).reply(answer.status, answer.body);
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/pacer-reader@pacer-analytics\.iam\.gserviceaccount\.com lacks the `bigquery\.jobs\.create` permission/);
  });

  it("a 403 on a table says access was denied", async () => {
    tokenExchange();
    dryRun();
    jobsQuery(fixture("error-table-access-denied"));
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/denied access .*shop\.signups/);
  });

  it("429 rateLimitExceeded is rate limited with Google's Retry-After, and the engine waits instead of retrying", async () => {
    tokenExchange();
    dryRun();
    const answer = fixture("error-rate-limit");
    nock(API).post(`${BASE}/queries`).query(true).reply(answer.status, answer.body, { "Retry-After": "30" });
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(30_000);
    const decision = decideRetry(error, 1, bigquery.rateLimit);
    expect(decision).toMatchObject({ retry: false, blockConnection: true, waitMs: 30_000 });
  });

  it("403 quotaExceeded is rate limited too (policy default wait)", async () => {
    tokenExchange();
    const answer = fixture("error-quota-exceeded");
    nock(API).post(`${BASE}/jobs`).query(true).reply(answer.status, answer.body);
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()));
    expect(error.type).toBe("rateLimited");
    expect(decideRetry(error, 1, bigquery.rateLimit).waitMs).toBe(bigquery.rateLimit.defaultRetryAfterMs);
  });

  it("503 backendError is transient, not retried by the client library, and the next attempt succeeds", async () => {
    tokenExchange();
    dryRun();
    const answer = fixture("error-backend");
    nock(API).post(`${BASE}/queries`).query(true).reply(answer.status, answer.body);
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx(), source()));
    expect(error.type).toBe("transient");
    expect(error.message).toMatch(/HTTP 503, backendError/);
    expect(decideRetry(error, 1, bigquery.rateLimit)).toMatchObject({ retry: true });
    expect(nock.pendingMocks()).toEqual([]);

    // The engine's second attempt.
    tokenExchange();
    dryRun();
    jobsQuery(fixture("query-complete"));
    expect((await bigquery.fetchValue!(ctx(), source())).value).toBe(42);
  });

  it("a job that does not finish within the connection's timeout is a transient timeout", async () => {
    tokenExchange();
    dryRun();
    jobsQuery(fixture("query-incomplete"), (body) => body.jobTimeoutMs === "1000");
    nock(API).get(`${BASE}/queries/job_Xb4h2pQ1o9kRzT3mVqLw8eYc`).query(true).delay(1_100).reply(200, fixture("getqueryresults-incomplete").body);
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx({ timeoutSeconds: 1 }), source()));
    expect(error.type).toBe("transient");
    expect(error.message).toMatch(/did not finish within 1 s/);
  });

  it("a call cut by the context's deadline is a transient timeout", async () => {
    tokenExchange();
    nock(API).post(`${BASE}/jobs`).query(true).delay(2_000).reply(200, fixture("dryrun-select").body);
    const error = await connectorErrorFrom(bigquery.fetchValue!(ctx({}, { deadlineMs: 300 }), source()));
    expect(error.type).toBe("transient");
    expect(error.message).toMatch(/did not answer in time/);
  });
});

describe("bigquery: testConnection", () => {
  it("dry-runs SELECT 1 and says who is connected to which project", async () => {
    tokenExchange();
    dryRun((job) => (job.statistics.query.schema = { fields: [{ name: "f0_", type: "INTEGER", mode: "NULLABLE" }] }), (body) => body.configuration.query.query === "SELECT 1");
    const result = await bigquery.testConnection(ctx());
    expect(result.message).toBe(
      "Connected to BigQuery project pacer-analytics as pacer-reader@pacer-analytics.iam.gserviceaccount.com: a dry run of SELECT 1 succeeded. Each query may bill up to 1 GB.",
    );
  });

  it("a revoked key (invalid_grant at the token exchange) is an auth error", async () => {
    tokenExchange(fixture("token-invalid-grant"));
    const error = await connectorErrorFrom(bigquery.testConnection(ctx()));
    expect(error.type).toBe("auth");
    expect(error.message).toMatch(/invalid_grant: Invalid JWT Signature/);
  });

  it("401 from BigQuery is an auth error", async () => {
    tokenExchange();
    const answer = fixture("error-unauthenticated");
    nock(API).post(`${BASE}/jobs`).query(true).reply(answer.status, answer.body);
    expect((await connectorErrorFrom(bigquery.testConnection(ctx()))).type).toBe("auth");
  });

  it("project not found says to check the project id", async () => {
    tokenExchange();
    const answer = fixture("error-project-not-found");
    nock(API).post(`${BASE}/jobs`).query(true).reply(answer.status, answer.body);
    const error = await connectorErrorFrom(bigquery.testConnection(ctx()));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/Project pacer-analytics was not found/);
  });

  it("billing disabled says to enable billing", async () => {
    tokenExchange();
    const answer = fixture("error-billing-not-enabled");
    nock(API).post(`${BASE}/jobs`).query(true).reply(answer.status, answer.body);
    const error = await connectorErrorFrom(bigquery.testConnection(ctx()));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/Billing is not enabled for project pacer-analytics/);
  });

  it("ambient credentials are refused unless the operator allows them", async () => {
    const context = connectorContext({ config: bigquery.schemas.connectionConfig.parse({ projectId: PROJECT, credentials: "ambient" }), secrets: {}, log });
    const error = await connectorErrorFrom(bigquery.testConnection(context));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/PACER_BIGQUERY_ALLOW_AMBIENT/);
  });
});

describe("bigquery: schemas", () => {
  it("validates the connection form", () => {
    const parsed = bigquery.schemas.connectionConfig.parse({ projectId: PROJECT });
    expect(parsed).toMatchObject({ credentials: "serviceAccountKey", maximumBytesBilled: 1_000_000_000, timeoutSeconds: 25 });
    expect(bigquery.schemas.connectionConfig.safeParse({ projectId: "My Project" }).success).toBe(false);
    expect(bigquery.schemas.connectionConfig.safeParse({ projectId: PROJECT, apiEndpoint: "ftp://x" }).success).toBe(false);
    expect(bigquery.schemas.connectionConfig.safeParse({ projectId: PROJECT, maximumBytesBilled: 5 }).success).toBe(false);
    expect(bigquery.schemas.secrets.safeParse({ serviceAccountKey: "{}" }).success).toBe(false);
    expect(bigquery.schemas.secrets.safeParse({ serviceAccountKey: serviceAccountKey }).success).toBe(true);
    expect(bigquery.schemas.sourceConfig.safeParse({ query: "  " }).success).toBe(false);
  });
});
