import nock from "nock";
import { beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import salesforce from "../../../sync/connectors/salesforce/index.js";
import { forgetSalesforceSessions } from "../../../sync/connectors/salesforce/session.js";
import { connectorContext } from "../../../sync/connectors/context.js";
import { RateLimitedError } from "../../../sync/connectors/errors.js";
import { decideRetry } from "../../../sync/retryPolicy.js";
import { guardNock } from "../../support/nockGuard.js";
import {
  API,
  CONSUMER_KEY,
  MY_DOMAIN,
  OTHER_PRIVATE_KEY,
  PRIVATE_KEY,
  REPORT_ID,
  USERNAME,
  fixture,
  simulateClientCredentials,
  simulateJwtToken,
  simulateQuery,
  simulateRecentReports,
  simulateReport,
  simulateTestConnection,
} from "../../fixtures/salesforce/simulate.js";
import { connectorErrorFrom } from "../../support/thrown.js";

/**
 * The Salesforce connector ("salesforce") against a simulated org: the OAuth token endpoint (JWT
 * bearer, https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm, and
 * client credentials, https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm)
 * and the REST API (query, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm;
 * report runs, https://developer.salesforce.com/docs/atlas.en-us.api_analytics.meta/api_analytics/sforce_analytics_rest_api_getreportrundata.htm),
 * every answer from a fixture in tests/fixtures/salesforce shaped as those pages document.
 */
const log = createLogger("silent");
guardNock("Salesforce");
beforeEach(() => forgetSalesforceSessions());

const jwtConfig = { myDomainUrl: MY_DOMAIN, consumerKey: CONSUMER_KEY, username: USERNAME };
function ctx(config: Record<string, unknown> = {}, secrets: Record<string, string> = { privateKey: PRIVATE_KEY }) {
  return connectorContext({
    config: salesforce.schemas.connectionConfig.parse({ ...jwtConfig, ...config }),
    secrets: salesforce.schemas.secrets.parse(secrets),
    log,
  });
}
const soql = (query: string) => salesforce.schemas.sourceConfig.parse({ kind: "soql", query });
const report = (aggregate?: string) => salesforce.schemas.sourceConfig.parse({ kind: "report", reportId: REPORT_ID, ...(aggregate ? { aggregate } : {}) });

const COUNT = "SELECT COUNT() FROM Opportunity WHERE IsWon = true AND CloseDate = THIS_QUARTER";
const SUM = "SELECT SUM(Amount) total FROM Opportunity WHERE IsWon = true";

describe("salesforce: signing in", () => {
  it("JWT bearer: signs an RS256 assertion (iss consumer key, sub username, aud login.salesforce.com, exp ≤ 3 min) and tests the connection", async () => {
    const seen: Array<Record<string, unknown>> = [];
    simulateJwtToken({ seen });
    simulateTestConnection();
    const result = await salesforce.testConnection(ctx());
    expect(result.message).toBe(`Connected to Acme Corporation as pacer-integration@acme.com (API v62.0) at ${MY_DOMAIN}.`);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ iss: CONSUMER_KEY, sub: USERNAME, aud: "https://login.salesforce.com" });
  });

  it("a sandbox's assertion is for test.salesforce.com; the My Domain audience can be chosen", async () => {
    const sandbox = "https://acme--uat.sandbox.my.salesforce.com";
    simulateJwtToken({ host: sandbox, audience: "https://test.salesforce.com", answer: { ...fixture("token-jwt"), body: { ...fixture("token-jwt").body, instance_url: sandbox } } });
    nock(sandbox).get(`${API}/query`).query({ q: "SELECT COUNT() FROM Lead" }).reply(200, fixture("query-count").body);
    expect((await salesforce.fetchValue!(ctx({ myDomainUrl: sandbox }), soql("SELECT COUNT() FROM Lead"))).value).toBe(42);

    simulateJwtToken({ audience: MY_DOMAIN });
    simulateQuery("SELECT COUNT() FROM Lead", fixture("query-count"));
    expect((await salesforce.fetchValue!(ctx({ jwtAudience: "myDomain" }), soql("SELECT COUNT() FROM Lead"))).value).toBe(42);
  });

  it("keeps the token per connection: a second fetch signs in no more", async () => {
    simulateJwtToken();
    simulateQuery(COUNT, fixture("query-count"), fixture("token-jwt").body.access_token);
    simulateQuery(COUNT, fixture("query-count"), fixture("token-jwt").body.access_token);
    await salesforce.fetchValue!(ctx(), soql(COUNT));
    await salesforce.fetchValue!(ctx(), soql(COUNT));
  });

  it("an expired session (401 INVALID_SESSION_ID) signs in once more and carries on", async () => {
    simulateJwtToken();
    simulateQuery(COUNT, fixture("query-count"));
    await salesforce.fetchValue!(ctx(), soql(COUNT));
    simulateQuery(COUNT, fixture("error-invalid-session"));
    simulateJwtToken();
    simulateQuery(COUNT, fixture("query-count"));
    expect((await salesforce.fetchValue!(ctx(), soql(COUNT))).value).toBe(42);
  });

  it("a session refused again right after signing in is an auth error (no loop)", async () => {
    simulateJwtToken();
    simulateQuery(COUNT, fixture("error-invalid-session"));
    simulateJwtToken();
    simulateQuery(COUNT, fixture("error-invalid-session"));
    const error = await connectorErrorFrom(salesforce.fetchValue!(ctx(), soql(COUNT)));
    expect(error.type).toBe("auth");
    expect(error.message).toMatch(/INVALID_SESSION_ID: Session expired or invalid/);
  });

  it("an integration user not pre-authorized on the app is an auth error quoting Salesforce, with the fix", async () => {
    simulateJwtToken({ answer: fixture("token-user-not-approved") });
    const error = await connectorErrorFrom(salesforce.testConnection(ctx()));
    expect(error.type).toBe("auth");
    expect(error.message).toMatch(/invalid_grant: user hasn't approved this consumer/);
    expect(error.message).toMatch(/Admin approved users are pre-authorized/);
  });

  it("a private key that does not match the app's certificate is an auth error", async () => {
    simulateJwtToken();
    const error = await connectorErrorFrom(salesforce.testConnection(ctx({}, { privateKey: OTHER_PRIVATE_KEY })));
    expect(error.type).toBe("auth");
    expect(error.message).toMatch(/invalid_grant: invalid assertion/);
  });

  it("client credentials: consumer key and secret at the My Domain; a wrong secret is an auth error", async () => {
    simulateClientCredentials("s3cret-consumer");
    simulateTestConnection();
    const config = { authentication: "clientCredentials", username: undefined };
    expect((await salesforce.testConnection(ctx(config, { clientSecret: "s3cret-consumer" }))).message).toMatch(/^Connected to Acme Corporation as /);
    simulateClientCredentials("s3cret-consumer");
    const error = await connectorErrorFrom(salesforce.testConnection(ctx(config, { clientSecret: "wrong" })));
    expect(error).toMatchObject({ type: "auth", message: expect.stringMatching(/invalid_client: invalid client credentials/) });
  });

  it("an unknown My Domain is a config error naming it", async () => {
    nock("https://acme-typo.my.salesforce.com").post("/services/oauth2/token").replyWithError({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND acme-typo.my.salesforce.com" });
    const error = await connectorErrorFrom(salesforce.testConnection(ctx({ myDomainUrl: "https://acme-typo.my.salesforce.com" })));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(/No Salesforce org answers at https:\/\/acme-typo\.my\.salesforce\.com/);
  });

  it("a missing secret for the chosen sign-in is a config error before any request", async () => {
    const error = await connectorErrorFrom(salesforce.testConnection(ctx({}, {})));
    expect(error).toMatchObject({ type: "config", message: expect.stringMatching(/needs the private key/) });
  });
});

describe("salesforce: SOQL sources", () => {
  it("SELECT COUNT() reads totalSize", async () => {
    simulateJwtToken();
    simulateQuery(COUNT, fixture("query-count"));
    expect(await salesforce.fetchValue!(ctx(), soql(COUNT))).toMatchObject({ value: 42, details: "SOQL: 42 records" });
  });

  it("an aggregate reads the one AggregateResult field", async () => {
    simulateJwtToken();
    simulateQuery(SUM, fixture("query-sum"));
    expect(await salesforce.fetchValue!(ctx(), soql(SUM))).toMatchObject({ value: 1234567.5, details: "SOQL: total = 1,234,567.5" });
  });

  it("keeps the exact digits of a sum a double cannot hold", async () => {
    simulateJwtToken();
    const text = JSON.stringify(fixture("query-sum").body).replace("1234567.5", "90071992547409931.25");
    simulateQuery(SUM, { status: 200, text });
    const value = await salesforce.fetchValue!(ctx(), soql(SUM));
    expect(value.value).toBe(90071992547409931.25);
    expect(value.details).toBe("SOQL: total = 90,071,992,547,409,931.25");
  });

  it.each([
    ["query-sum-null", /Field expr0 is empty \(null\)/],
    ["query-rows", /returned 3 rows; it must return one/],
    ["query-text", /Field Name holds the text "Edge Communications", not a number/],
  ])("%s is a result-shape error naming what came back", async (name, reason) => {
    simulateJwtToken();
    simulateQuery(/^SELECT /, fixture(name));
    const error = await connectorErrorFrom(salesforce.fetchValue!(ctx(), soql("SELECT SUM(Amount) FROM Opportunity")));
    expect(error.type).toBe("resultShape");
    expect(error.message).toMatch(reason);
  });

  it.each([
    ["FIND {Acme} IN ALL FIELDS RETURNING Account(Id)", /SOSL search/],
    ["DELETE FROM Opportunity", /starts with DELETE/],
    ["SELECT COUNT() FROM Lead; SELECT COUNT() FROM Contact", /more than one statement/],
    ["Opportunity WHERE IsWon = true", /must be a single SOQL SELECT/],
  ])("refuses %s without sending it", async (query, reason) => {
    const error = await connectorErrorFrom(salesforce.fetchValue!(ctx(), soql(query)));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(reason);
  });

  it.each([
    ["error-malformed-query", /MALFORMED_QUERY: .*unexpected token: tru/s],
    ["error-invalid-field", /INVALID_FIELD: .*No such column 'Amont' on entity 'Opportunity'/s],
  ])("%s is a config error with Salesforce's message", async (name, reason) => {
    simulateJwtToken();
    simulateQuery(/^SELECT /, fixture(name));
    const error = await connectorErrorFrom(salesforce.fetchValue!(ctx(), soql("SELECT SUM(Amont) total FROM Opportunity")));
    expect(error.type).toBe("config");
    expect(error.message).toMatch(reason);
  });

  it("403 REQUEST_LIMIT_EXCEEDED is rate limited; with no Retry-After the policy's default (an hour) applies", async () => {
    simulateJwtToken();
    simulateQuery(COUNT, fixture("error-request-limit"));
    const error = await connectorErrorFrom(salesforce.fetchValue!(ctx(), soql(COUNT)));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeUndefined();
    expect(error.message).toMatch(/request limit for this org is used up .*Pacer waits its default/);
    expect(decideRetry(error, 1, salesforce.rateLimit)).toMatchObject({ retry: false, blockConnection: true, waitMs: 3_600_000 });
  });

  it("503 SERVER_UNAVAILABLE is transient and retried", async () => {
    simulateJwtToken();
    simulateQuery(COUNT, fixture("error-server-unavailable"));
    const error = await connectorErrorFrom(salesforce.fetchValue!(ctx(), soql(COUNT)));
    expect(error.type).toBe("transient");
    expect(decideRetry(error, 1, salesforce.rateLimit).retry).toBe(true);
  });
});

describe("salesforce: report sources", () => {
  it("reads the grand total's first aggregate by default", async () => {
    simulateJwtToken();
    simulateReport();
    expect(await salesforce.fetchValue!(ctx(), report())).toMatchObject({ value: 1234567, details: "Sum of Amount: 1,234,567 (report 'Won deals this quarter')" });
  });

  it("reads a named aggregate (RowCount)", async () => {
    simulateJwtToken();
    simulateReport();
    expect(await salesforce.fetchValue!(ctx(), report("RowCount"))).toMatchObject({ value: 27, details: "Record Count: 27 (report 'Won deals this quarter')" });
  });

  it("an aggregate the report lacks is a config error listing the ones it has", async () => {
    simulateJwtToken();
    simulateReport();
    const error = await connectorErrorFrom(salesforce.fetchValue!(ctx(), report("a!Amount")));
    expect(error.type).toBe("config");
    expect(error.message).toBe("Report 'Won deals this quarter' has no aggregate a!Amount; it has s!AMOUNT (Sum of Amount), RowCount (Record Count).");
  });

  it("an unknown report (404 NOT_FOUND) is a config error", async () => {
    simulateJwtToken();
    simulateReport(fixture("error-not-found"));
    const error = await connectorErrorFrom(salesforce.fetchValue!(ctx(), report()));
    expect(error.type).toBe("config");
    expect(error.message).toBe(`Salesforce has no report ${REPORT_ID} (NOT_FOUND: The requested resource does not exist).`);
  });

  it("the picker lists recent reports, and searches reports by name with the text escaped", async () => {
    simulateJwtToken();
    simulateRecentReports();
    const recent = await salesforce.listResources!(ctx(), {});
    expect(recent).toEqual([
      { id: REPORT_ID, name: "Won deals this quarter", kind: "report", source: { kind: "report", reportId: REPORT_ID, reportName: "Won deals this quarter" } },
      { id: "00O5g000004PipeEAS", name: "Open pipeline by stage", kind: "report", source: { kind: "report", reportId: "00O5g000004PipeEAS", reportName: "Open pipeline by stage" } },
    ]);
    simulateQuery("SELECT Id, Name, FolderName FROM Report WHERE Name LIKE '%Won\\'s 100\\%%' ORDER BY Name LIMIT 50", fixture("query-reports"));
    const found = await salesforce.listResources!(ctx(), { search: "Won's 100%" });
    // The list shows the folder; the source keeps the report's own name, shown when the link is opened again.
    expect(found).toEqual([{ id: REPORT_ID, name: "Won deals this quarter (Sales Ops)", kind: "report", source: { kind: "report", reportId: REPORT_ID, reportName: "Won deals this quarter" } }]);
    expect(salesforce.resourcePicker).toMatchObject({ nameField: "reportName", idFields: ["reportId", "reportName"] });
  });

  it("the stored report name is only a label: a fetch reads the report by id and names it as Salesforce does now", async () => {
    simulateJwtToken();
    simulateReport();
    const source = salesforce.schemas.sourceConfig.parse({ kind: "report", reportId: REPORT_ID, reportName: "Renamed since" });
    expect(await salesforce.fetchValue!(ctx(), source)).toMatchObject({ value: 1234567, details: "Sum of Amount: 1,234,567 (report 'Won deals this quarter')" });
  });

  it("links a report to its Lightning page; a SOQL source has none", () => {
    const config = salesforce.schemas.connectionConfig.parse(jwtConfig);
    expect(salesforce.sourceUrl!(config, report())).toBe(`https://acme.lightning.force.com/lightning/r/Report/${REPORT_ID}/view`);
    expect(salesforce.sourceUrl!(config, soql(COUNT))).toBeNull();
  });
});

describe("salesforce: forms", () => {
  it("accepts My Domain URLs (production, sandbox) and refuses other hosts", () => {
    const parse = (myDomainUrl: string) => salesforce.schemas.connectionConfig.safeParse({ ...jwtConfig, myDomainUrl }).success;
    expect(parse("https://acme.my.salesforce.com")).toBe(true);
    expect(parse("https://acme--uat.sandbox.my.salesforce.com/")).toBe(true);
    expect(parse("https://login.salesforce.com")).toBe(false);
    expect(parse("http://acme.my.salesforce.com")).toBe(false);
    expect(parse("https://acme.lightning.force.com")).toBe(false);
  });

  it("refuses an encrypted key or a certificate in place of the private key", () => {
    const encrypted = salesforce.schemas.secrets.safeParse({ privateKey: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----" });
    expect(encrypted.success).toBe(false);
    expect(JSON.stringify(encrypted.error?.issues)).toMatch(/encrypted: export it without a passphrase/);
    const certificate = salesforce.schemas.secrets.safeParse({ privateKey: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----" });
    expect(JSON.stringify(certificate.error?.issues)).toMatch(/this is the certificate/);
    expect(salesforce.schemas.secrets.safeParse({ privateKey: PRIVATE_KEY }).success).toBe(true);
  });

  it("the source needs a query for soql and a report for report", () => {
    const issues = (value: unknown) => salesforce.schemas.sourceConfig.safeParse(value).error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(issues({ kind: "soql" })).toEqual(["query"]);
    expect(issues({ kind: "report" })).toEqual(["reportId"]);
    expect(issues({ kind: "report", reportId: REPORT_ID, query: COUNT })).toEqual(["kind"]);
    expect(issues({ kind: "report", reportId: "001000000000001" })).toEqual(["reportId"]);
    expect(issues({ kind: "report", reportId: REPORT_ID, reportName: "x".repeat(256) })).toEqual(["reportName"]);
    expect(issues({ kind: "soql", query: COUNT, reportName: "Won deals this quarter" })).toEqual(["kind"]);
    expect(issues({ kind: "soql", query: COUNT })).toEqual([]);
  });
});
