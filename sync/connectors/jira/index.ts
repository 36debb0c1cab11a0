import { z } from "zod";
import { type ConnectorDefinition, defaultRateLimit, type Resource } from "../../../core/integrations/contract.js";
import { configError } from "../errors.js";
import { issueLink, type JiraConfig, JiraClient, type JiraContext, type JiraFilter, type JiraSecrets, siteOf } from "./client.js";
import { issueTree } from "./issues.js";
import { countJql, withoutOrderBy } from "./jql.js";

/**
 * Jira (Cloud, and Data Center / Server): key results measured from a JQL query or a saved filter,
 * and projects whose tasks are the query's issues — what Viva Goals' Jira integration offered.
 *
 * - Connection: the site URL; Cloud signs in with the account email + an API token (HTTP Basic,
 *   REST v3), Data Center with a personal access token (Bearer, REST v2). Read-only calls only.
 * - Source: JQL (typed, or a saved filter whose current JQL is read at each sync) and a measure:
 *   % of issues in the Done status category, or a count (all, or done), optionally of one issue type.
 *   Counting wraps the JQL in parentheses, drops its ORDER BY and adds `statusCategory = Done`;
 *   Cloud counts with POST /search/approximate-count, Data Center with /search?maxResults=0.
 * - fetchItems: the issues as a tree through `parent` (3 levels), rolled up by ../itemTree.ts.
 */
const config = z
  .object({
    siteUrl: z
      .string()
      .trim()
      .url()
      .max(500)
      .refine((u) => /^https?:\/\//i.test(u), "must be an http or https address")
      .describe("the Jira address: https://<your-site>.atlassian.net for Jira Cloud, or the Data Center / Server base URL (e.g. https://jira.contoso.com/jira)"),
    deployment: z.enum(["cloud", "datacenter"]).default("cloud").describe("Jira Cloud, or Jira Data Center / Server"),
    email: z.string().trim().email().max(254).optional().describe("Jira Cloud only: the email of the Atlassian account the API token belongs to"),
  })
  .strict()
  .refine((c) => c.deployment !== "cloud" || Boolean(c.email), { message: "Jira Cloud connections need the account's email", path: ["email"] })
  .refine((c) => c.deployment !== "cloud" || /^https:\/\//i.test(c.siteUrl), { message: "Jira Cloud is reached over https", path: ["siteUrl"] });

const secrets = z
  .object({
    token: z.string().trim().min(1).max(2_000).describe("Jira Cloud: an API token (id.atlassian.com → Security → API tokens); Data Center: a personal access token"),
  })
  .strict();

const source = z
  .object({
    jql: z
      .string()
      .trim()
      .max(10_000)
      .optional()
      .describe("a JQL query, e.g. project = SHOP AND fixVersion = \"2.0\" (an ORDER BY is ignored when counting); not needed when a saved filter is picked"),
    filterId: z.string().trim().regex(/^\d+$/, "a filter id is a number").optional().describe("a saved filter: its current JQL is read at each sync"),
    filterName: z.string().max(500).optional(),
    measure: z
      .enum(["percentDone", "countAll", "countDone"])
      .default("percentDone")
      .describe("% of issues whose status is in the Done category, or a count of issues (all, or done)"),
    issueType: z.string().trim().min(1).max(255).optional().describe("count only this issue type, e.g. Story"),
  })
  .strict()
  .refine((s) => Boolean(s.jql || s.filterId), { message: "enter a JQL query or pick a saved filter", path: ["jql"] });

type Source = z.infer<typeof source>;

/** The JQL to run: the filter's current JQL when one is picked, else the typed one. */
async function jqlOf(client: JiraClient, src: Pick<Source, "jql" | "filterId">): Promise<string> {
  const jql = src.filterId ? ((await client.filter(src.filterId)).jql ?? "") : (src.jql ?? "");
  if (!withoutOrderBy(jql)) throw configError("The JQL is empty (or only an ORDER BY): add a condition such as project = SHOP.");
  return jql;
}

function asResource(f: JiraFilter, count?: number): Resource {
  return {
    id: f.id,
    name: f.name,
    kind: f.favourite ? "favourite filter" : "filter",
    source: { filterId: f.id, filterName: f.name, ...(f.jql ? { jql: f.jql } : {}) },
    ...(count !== undefined ? { count } : {}),
  };
}

const jira: ConnectorDefinition<JiraConfig, JiraSecrets, Source> = {
  id: "jira",
  displayName: "Jira",
  description: "Track key results and projects from Jira issues: % of a JQL query's issues done, or counts; project tasks from epics, issues and sub-tasks.",
  icon:
    "data:image/svg+xml;base64," +
    Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0052cc"/><path d="M25.6 6H15.5a4.6 4.6 0 0 0 4.6 4.6h1.9v1.8a4.6 4.6 0 0 0 4.6 4.6V7a1 1 0 0 0-1-1zm-5 5H10.5a4.6 4.6 0 0 0 4.6 4.6H17v1.8a4.6 4.6 0 0 0 4.6 4.6V12a1 1 0 0 0-1-1zm-5 5H5.5a4.6 4.6 0 0 0 4.6 4.6H12v1.8a4.6 4.6 0 0 0 4.6 4.6V17a1 1 0 0 0-1-1z" fill="#fff"/></svg>',
    ).toString("base64"),
  type: "data",
  category: "third-party",
  termsUrl: "https://www.atlassian.com/legal/cloud-terms-of-service",
  docsUrl: "https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/",
  mode: "pull",
  schemas: { connectionConfig: config, secrets, sourceConfig: source },
  // Jira Cloud's burst limits are per tenant and endpoint; a 429 names its wait in Retry-After.
  rateLimit: { ...defaultRateLimit, maxConcurrentPerConnection: 2, defaultRetryAfterMs: 60_000 },
  resourcePicker: {
    label: "Saved filter",
    hint: "Your favourite filters are listed; type part of a filter's name to find others. Or type a JQL query below.",
    placeholder: "e.g. Release 2.0",
    listLabel: "Saved filters",
    browse: true,
    idFields: ["filterId", "filterName"],
    nameField: "filterName",
    lookupField: "filterId",
    countNoun: "issues",
  },

  async testConnection(ctx) {
    const me = await new JiraClient(ctx).myself();
    return { message: `Connected to ${siteOf(ctx.config)} as ${me.name}.` };
  },

  async listResources(ctx, { search }) {
    const client = new JiraClient(ctx);
    const text = (search ?? "").trim();
    // A filter id is what the form sends once someone picks a filter: answer it with its match count.
    if (/^\d+$/.test(text)) {
      const f = await client.filter(text);
      const count = f.jql && withoutOrderBy(f.jql) ? await client.count(countJql(f.jql)) : undefined;
      return [asResource(f, count)];
    }
    const needle = text.toLowerCase();
    const favourites = (await client.favouriteFilters()).filter((f) => f.name.toLowerCase().includes(needle)).map((f) => ({ ...f, favourite: true }));
    const found = text ? await client.searchFilters(text) : [];
    const seen = new Set(favourites.map((f) => f.id));
    return [...favourites, ...found.filter((f) => !seen.has(f.id)).map((f) => ({ ...f, favourite: false }))].map((f) => asResource(f));
  },

  async fetchValue(ctx: JiraContext, src) {
    const client = new JiraClient(ctx);
    const jql = await jqlOf(client, src);
    const total = await client.count(countJql(jql, { issueType: src.issueType }));
    const what = src.issueType ? `${src.issueType} issues` : "issues";
    const asOf = new Date();
    if (src.measure === "countAll") return { value: total, details: `${total} ${what}`, asOf };
    const done = await client.count(countJql(jql, { issueType: src.issueType, done: true }));
    const details = `${done} of ${total} ${what} done`;
    if (src.measure === "countDone") return { value: done, details, asOf };
    return { value: total ? Math.round((done / total) * 10_000) / 100 : 0, details, asOf };
  },

  async fetchItems(ctx, src) {
    const client = new JiraClient(ctx);
    const issues = await client.issues(await jqlOf(client, src));
    return issueTree(issues, (key) => issueLink(ctx.config, key));
  },

  sourceUrl(cfg, src) {
    if (src.filterId) return `${siteOf(cfg)}/issues/?filter=${encodeURIComponent(src.filterId)}`;
    return src.jql ? `${siteOf(cfg)}/issues/?jql=${encodeURIComponent(src.jql)}` : null;
  },
};

export default jira;
