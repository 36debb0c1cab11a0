import { randomUUID } from "node:crypto";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forgetSalesforceSessions } from "../../../sync/connectors/salesforce/session.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { guardNock } from "../../support/nockGuard.js";
import { apiClient, person, ok } from "../okr/support.js";
import {
  CONSUMER_KEY,
  MY_DOMAIN,
  OTHER_PRIVATE_KEY,
  PRIVATE_KEY,
  REPORT_ID,
  USERNAME,
  fixture,
  simulateJwtToken,
  simulateQuery,
  simulateRecentReports,
  simulateReport,
  simulateTestConnection,
} from "../../fixtures/salesforce/simulate.js";

/**
 * The "salesforce" connector through Pacer's real HTTP API (scheduler on): an admin enables it,
 * tests connections (OK, wrong key, unapproved user, unknown My Domain), creates one (the private
 * key is sealed and never returned), picks a report, previews, links two KRs (a report total and a
 * SOQL count), refreshes, and the scheduler syncs them: the report's new total lands while the SOQL
 * KR, now failing, keeps its last value with the reason. The daily API limit is rate limited, a 5xx
 * transient, and an expired session signs in once more. Salesforce is simulated with nock
 * (fixtures in tests/fixtures/salesforce, each naming the doc it follows).
 */
let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const owner = person(randomUUID(), "Olga Owner");
const kr = { won: "", deals: "" };
let connectionId = "";

const config = { myDomainUrl: MY_DOMAIN, authentication: "jwtBearer", consumerKey: CONSUMER_KEY, username: USERNAME };
const secrets = { privateKey: PRIVATE_KEY };
const COUNT = "SELECT COUNT() FROM Opportunity WHERE IsWon = true AND CloseDate = THIS_QUARTER";
const reportSource = { kind: "report", reportId: REPORT_ID, aggregate: "s!AMOUNT" };
const soqlSource = { kind: "soql", query: COUNT };

/** The report fixture with another grand total. */
function reportWithTotal(amount: number) {
  const answer = fixture("report-run");
  answer.body.factMap["T!T"].aggregates[0] = { label: `$${amount.toLocaleString("en-US")}.00`, value: amount };
  return answer;
}

beforeAll(async () => {
  forgetSalesforceSessions();
  pacer = await startTestPacer({ PACER_ROLE: "all" });
  api = apiClient(pacer);
  ok(await api(owner, "GET", "/me"));
  const periodId = ok(await api(owner, "GET", "/periods/current")).id;
  const objective = ok(
    await api(owner, "POST", "/objectives", {
      title: "Win more",
      periodId,
      keyResults: [
        { title: "Won revenue", measurement: { kind: "metric", start: 0, target: 2_000_000, unit: "USD" } },
        { title: "Won deals", measurement: { kind: "metric", start: 0, target: 100, unit: "deals" } },
      ],
    }),
    201,
  );
  [kr.won, kr.deals] = objective.keyResults.map((k: { id: string }) => k.id);
});
afterAll(async () => {
  await pacer?.close();
  forgetSalesforceSessions();
});
guardNock("Salesforce");

describe("Salesforce through the HTTP link flow", () => {
  it("an admin enables Salesforce and tests connections: OK, wrong key, unapproved user, unknown My Domain", async () => {
    ok(await api(owner, "POST", "/integrations/salesforce/enable", {}));
    simulateJwtToken();
    simulateTestConnection();
    const test = ok(await api(owner, "POST", "/integrations/salesforce/connections/test", { config, secrets }));
    expect(test).toMatchObject({ ok: true, errorType: null, message: `Connected to Acme Corporation as ${USERNAME} (API v62.0) at ${MY_DOMAIN}.` });

    simulateJwtToken();
    const wrongKey = ok(await api(owner, "POST", "/integrations/salesforce/connections/test", { config, secrets: { privateKey: OTHER_PRIVATE_KEY } }));
    expect(wrongKey).toMatchObject({ ok: false, errorType: "auth", message: expect.stringMatching(/invalid_grant: invalid assertion/) });

    simulateJwtToken({ subject: "someone.else@acme.com", answer: fixture("token-user-not-approved") });
    const unapproved = ok(await api(owner, "POST", "/integrations/salesforce/connections/test", { config: { ...config, username: "someone.else@acme.com" }, secrets }));
    expect(unapproved).toMatchObject({ ok: false, errorType: "auth", message: expect.stringMatching(/user hasn't approved this consumer/) });

    nock("https://acme-typo.my.salesforce.com").post("/services/oauth2/token").replyWithError({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND acme-typo.my.salesforce.com" });
    const unknown = ok(await api(owner, "POST", "/integrations/salesforce/connections/test", { config: { ...config, myDomainUrl: "https://acme-typo.my.salesforce.com" }, secrets }));
    expect(unknown).toMatchObject({ ok: false, errorType: "config", message: expect.stringMatching(/No Salesforce org answers at https:\/\/acme-typo/) });
  });

  it("creates the connection: the private key is sealed and never returned", async () => {
    const created = ok(await api(owner, "POST", "/integrations/salesforce/connections", { name: "Acme CRM", visibility: "shared", config, secrets }), 201);
    connectionId = created.id;
    expect(created.secretNames).toEqual(["privateKey"]);
    expect(created.config).toMatchObject({ myDomainUrl: MY_DOMAIN, jwtAudience: "loginHost" });
    const listed = ok(await api(owner, "GET", "/integrations/salesforce/connections"));
    const one = ok(await api(owner, "GET", `/connections/${connectionId}`));
    for (const reply of [created, listed, one]) expect(JSON.stringify(reply)).not.toContain("PRIVATE KEY");
    const raw = await pacer.store.collection("connections").findOne({ _id: connectionId as never });
    expect(JSON.stringify(raw)).not.toContain("PRIVATE KEY");
    expect(raw!.sealedSecrets).toMatchObject({ alg: "A256GCM" });
  });

  it("the report picker lists recent reports (the token from the connection test is reused)", async () => {
    simulateRecentReports();
    const { items } = ok(await api(owner, "GET", `/connections/${connectionId}/resources`));
    expect(items[0]).toMatchObject({ id: REPORT_ID, name: "Won deals this quarter", kind: "report", source: { kind: "report", reportId: REPORT_ID } });
  });

  it("previews: SOSL refused with the reason, then the report total and the SOQL count", async () => {
    const refused = await api(owner, "POST", `/key-results/${kr.deals}/link/preview`, { connectionId, source: { kind: "soql", query: "FIND {Acme} RETURNING Account(Id)" } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ id: "source_error", details: { type: "config" } });
    expect(refused.body.error.message).toMatch(/SOSL search/);

    simulateReport();
    const report = ok(await api(owner, "POST", `/key-results/${kr.won}/link/preview`, { connectionId, source: reportSource }));
    expect(report).toMatchObject({ value: 1234567, details: "Sum of Amount: 1,234,567 (report 'Won deals this quarter')" });
    simulateQuery(COUNT, fixture("query-count"));
    const count = ok(await api(owner, "POST", `/key-results/${kr.deals}/link/preview`, { connectionId, source: soqlSource }));
    expect(count).toMatchObject({ value: 42, details: "SOQL: 42 records" });
  });

  it("links both KRs and refreshes them; the KRs take the values", async () => {
    ok(await api(owner, "PUT", `/key-results/${kr.won}/link`, { connectionId, source: reportSource }));
    ok(await api(owner, "PUT", `/key-results/${kr.deals}/link`, { connectionId, source: soqlSource }));
    simulateReport();
    expect(ok(await api(owner, "POST", `/key-results/${kr.won}/link/refresh`))).toMatchObject({ ok: true, value: 1234567 });
    simulateQuery(COUNT, fixture("query-count"));
    expect(ok(await api(owner, "POST", `/key-results/${kr.deals}/link/refresh`))).toMatchObject({ ok: true, value: 42 });
    expect(ok(await api(owner, "GET", `/key-results/${kr.won}`)).current).toBe(1234567);
    expect(ok(await api(owner, "GET", `/key-results/${kr.deals}`)).current).toBe(42);
  });

  it("an expired session signs in once more; a 5xx is transient and the KR keeps its value", async () => {
    simulateQuery(COUNT, fixture("error-invalid-session"));
    simulateJwtToken();
    simulateQuery(COUNT, fixture("query-count"));
    expect(ok(await api(owner, "POST", `/key-results/${kr.deals}/link/refresh`))).toMatchObject({ ok: true, value: 42 });

    // A refresh retries a transient failure up to the policy's maxAttempts (3) before it gives up.
    for (let i = 0; i < 3; i += 1) simulateReport(fixture("error-server-unavailable"));
    const unavailable = await api(owner, "POST", `/key-results/${kr.won}/link/refresh`);
    expect(unavailable.status, JSON.stringify(unavailable.body)).toBe(422);
    expect(unavailable.body.error.message).toMatch(/SERVER_UNAVAILABLE/);
    expect(ok(await api(owner, "GET", `/key-results/${kr.won}/link`))).toMatchObject({ lastValue: 1234567, lastError: { type: "transient" } });
  });

  it("a scheduled sync takes the report's new total; the SOQL KR, now failing, keeps its value and says why", async () => {
    simulateReport(reportWithTotal(1_500_000));
    simulateQuery(COUNT, fixture("error-invalid-field"));
    await pacer.scheduler!.tick(new Date(Date.now() + 3_600_000));
    await pacer.scheduler!.idle();
    expect(ok(await api(owner, "GET", `/key-results/${kr.won}/link`))).toMatchObject({ lastValue: 1_500_000, lastError: null });
    expect(ok(await api(owner, "GET", `/key-results/${kr.won}`)).current).toBe(1_500_000);
    const failed = ok(await api(owner, "GET", `/key-results/${kr.deals}/link`));
    expect(failed).toMatchObject({ lastValue: 42, lastError: { type: "config", message: expect.stringMatching(/INVALID_FIELD/) } });
    expect(ok(await api(owner, "GET", `/key-results/${kr.deals}`)).current).toBe(42);
  });

  it("the org's daily API limit is rate limited, and the last value stays", async () => {
    simulateReport(fixture("error-request-limit"));
    const limited = await api(owner, "POST", `/key-results/${kr.won}/link/refresh`);
    expect(limited.status, JSON.stringify(limited.body)).toBeGreaterThanOrEqual(400);
    expect(limited.body.error.message).toMatch(/request limit for this org is used up/);
    expect(ok(await api(owner, "GET", `/key-results/${kr.won}/link`))).toMatchObject({ lastValue: 1_500_000, lastError: { type: "rateLimited" } });
  });
});
