import type { ConnectorDefinition, Resource } from "../../../core/integrations/contract.js";
import { defaultRateLimit } from "../../../core/integrations/contract.js";
import { configError } from "../errors.js";
import { API_VERSION, type SalesforceConfig, type SalesforceSecrets, type SalesforceSource, myDomainOf, salesforceConfig, salesforceSecrets, salesforceSource } from "./config.js";
import { type SalesforceContext, getJson } from "./session.js";
import { type QueryAnswer, type ReportAnswer, formatNumber, numberFromQuery, numberFromReport, soqlProblem } from "./values.js";

/**
 * Salesforce (CRM): a key result driven by a Salesforce number, as Viva Goals had it — a SOQL query
 * returning one number (`SELECT COUNT() …` or one aggregate), or a report's grand-total aggregate.
 * Pacer signs in as an integration user with the OAuth 2.0 JWT bearer flow (or client credentials),
 * caches the token per connection, and reads through the REST API pinned to v62.0 (config.ts).
 * Each fetch is one API call (plus a sign-in when the token is new); reports run synchronously.
 */
const query = (ctx: SalesforceContext, soql: string, what: string) => getJson<QueryAnswer>(ctx, `query?q=${encodeURIComponent(soql)}`, what);

interface UserInfo {
  preferred_username?: string;
  name?: string;
  organization_id?: string;
}

interface RecentReport {
  id: string;
  name: string;
}

const escapeSoqlLike = (text: string) => text.replace(/[\\'%_]/g, (c) => `\\${c}`);

const salesforce: ConnectorDefinition<SalesforceConfig, SalesforceSecrets, SalesforceSource> = {
  id: "salesforce",
  displayName: "Salesforce",
  description: "A SOQL query returning one number, or a report's grand total, from your Salesforce org, read as an integration user (JWT bearer or client credentials).",
  icon:
    "data:image/svg+xml;base64," +
    Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#00a1e0"/><path d="M9.5 22.5a4.5 4.5 0 0 1-.6-8.96A5.5 5.5 0 0 1 19 11.2a4 4 0 0 1 5.6 3.1A4 4 0 0 1 23.5 22.5z" fill="#fff"/></svg>',
    ).toString("base64"),
  type: "data",
  category: "third-party",
  termsUrl: "https://www.salesforce.com/company/legal/agreements/",
  docsUrl: "https://github.com/pacer-okr/pacer#salesforce",
  mode: "pull",
  schemas: { connectionConfig: salesforceConfig, secrets: salesforceSecrets, sourceConfig: salesforceSource },
  // Salesforce sends no Retry-After when the org's daily API requests run out (a rolling 24 hours):
  // wait an hour before asking again. Two calls at once per connection leave room for the org's other integrations.
  rateLimit: { ...defaultRateLimit, maxConcurrentPerConnection: 2, maxAttempts: 3, baseDelayMs: 1_000, defaultRetryAfterMs: 3_600_000 },
  resourcePicker: {
    label: "Report",
    hint: "Reports you viewed recently are listed; type part of a report's name to find others.",
    placeholder: "e.g. Won deals",
    listLabel: "Reports",
    browse: true,
    idFields: ["reportId", "reportName"],
    nameField: "reportName",
  },

  async testConnection(ctx) {
    const me = await getJson<UserInfo>(ctx, "/services/oauth2/userinfo", "the signed-in user (userinfo)");
    const org = await query(ctx, "SELECT Name FROM Organization LIMIT 1", "the organization's name");
    const orgName = typeof org.records?.[0]?.Name === "string" ? (org.records[0].Name as string) : (me.organization_id ?? myDomainOf(ctx.config));
    const who = me.preferred_username ?? ctx.config.username ?? "the integration user";
    return { message: `Connected to ${orgName} as ${who} (API v${API_VERSION}) at ${myDomainOf(ctx.config)}.` };
  },

  async listResources(ctx, { search }) {
    const term = search?.trim();
    if (!term) {
      // The reports the integration user viewed recently (up to 200).
      const recent = await getJson<RecentReport[]>(ctx, "analytics/reports", "the list of recent reports");
      return recent.map((r) => report(r.id, r.name, r.name));
    }
    const found = await query(ctx, `SELECT Id, Name, FolderName FROM Report WHERE Name LIKE '%${escapeSoqlLike(term)}%' ORDER BY Name LIMIT 50`, "the report search");
    return found.records.map((r) => report(String(r.Id), r.FolderName ? `${String(r.Name)} (${String(r.FolderName)})` : String(r.Name), String(r.Name)));
  },

  async fetchValue(ctx, source) {
    if (source.kind === "report") {
      const answer = await getJson<ReportAnswer>(ctx, `analytics/reports/${source.reportId!}?includeDetails=false`, `report ${source.reportId!}`);
      const n = numberFromReport(answer, source.aggregate);
      return { value: n.value, details: `${n.label}: ${formatNumber(n)} (report '${n.reportName}')`, asOf: new Date() };
    }
    const soql = source.query!;
    const problem = soqlProblem(soql);
    if (problem) throw configError(problem);
    const answer = await query(ctx, soql, "the SOQL query");
    const n = numberFromQuery(soql, answer);
    const details = n.field === "totalSize" ? `SOQL: ${formatNumber(n)} records` : `SOQL: ${n.field} = ${formatNumber(n)}`;
    return { value: n.value, details, asOf: new Date() };
  },

  sourceUrl(config, source) {
    return source.kind === "report" && source.reportId ? `${myDomainOf(config).replace(".my.salesforce.com", ".lightning.force.com")}/lightning/r/Report/${source.reportId}/view` : null;
  },
};

/** `label` is what the list shows (with the folder when searched); `name` is stored in the source. */
function report(id: string, label: string, name: string): Resource {
  return { id, name: label, kind: "report", source: { kind: "report", reportId: id, reportName: name.slice(0, 255) } };
}

export default salesforce;
