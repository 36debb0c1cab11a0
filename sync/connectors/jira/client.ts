import { z } from "zod";
import type { ConnectorContext } from "../../../core/integrations/contract.js";
import { authError, configError, errorFromResponse, parseRetryAfter, rateLimitedError, resultShapeError } from "../errors.js";

/**
 * Jira REST calls with plain `ctx.http` (the engine owns deadlines and retries).
 * - Cloud, REST v3: https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/
 *   Basic auth with account email + API token: https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/
 *   Search: the old GET/POST /rest/api/3/search was removed (CHANGE-2046) in favour of
 *   GET /rest/api/3/search/jql (nextPageToken pages) and POST /rest/api/3/search/approximate-count:
 *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/
 * - Data Center / Server, REST v2 with a personal access token (Bearer):
 *   https://confluence.atlassian.com/enterprise/using-personal-access-tokens-1026032365.html
 *   https://docs.atlassian.com/software/jira/docs/api/REST/latest/ (search: startAt/maxResults/total)
 * - Errors: `{"errorMessages": [...], "errors": {...}}`; rate limits (429 with Retry-After and
 *   X-RateLimit-Reset as an ISO time): https://developer.atlassian.com/cloud/jira/platform/rate-limiting/
 */
export interface JiraConfig {
  siteUrl: string;
  deployment: "cloud" | "datacenter";
  /** Jira Cloud: the Atlassian account email the API token belongs to. */
  email?: string | undefined;
}
export interface JiraSecrets {
  /** Jira Cloud: an API token; Data Center: a personal access token. */
  token?: string | undefined;
}
export type JiraContext = ConnectorContext<JiraConfig, JiraSecrets>;

export const PAGE_SIZE = 100;
/** Issues one project link reads at most (20 pages); the engine keeps MAX_TASKS_PER_PROJECT of them as tasks. */
export const MAX_ISSUES = 2_000;
export const ITEM_FIELDS = ["summary", "status", "issuetype", "parent"];

export const siteOf = (c: Pick<JiraConfig, "siteUrl">) => c.siteUrl.trim().replace(/\/+$/, "");
export const issueLink = (c: Pick<JiraConfig, "siteUrl">, key: string) => `${siteOf(c)}/browse/${encodeURIComponent(key)}`;
const isCloud = (c: Pick<JiraConfig, "deployment">) => c.deployment !== "datacenter";

const myself = z.object({ displayName: z.string().optional(), name: z.string().optional(), accountId: z.string().optional(), emailAddress: z.string().optional() });
const filter = z.object({ id: z.string(), name: z.string(), jql: z.string().optional(), favourite: z.boolean().optional() });
export type JiraFilter = z.infer<typeof filter>;
const filterPage = z.object({ values: z.array(filter), isLast: z.boolean().optional() });
const count = z.object({ count: z.number().int().nonnegative() });
const dcCount = z.object({ total: z.number().int().nonnegative() });
const issue = z.object({
  id: z.string(),
  key: z.string(),
  fields: z.object({
    summary: z.string().nullable().optional(),
    status: z.object({ name: z.string().optional(), statusCategory: z.object({ key: z.string() }).optional() }).nullable().optional(),
    issuetype: z.object({ name: z.string().optional(), subtask: z.boolean().optional() }).nullable().optional(),
    parent: z.object({ key: z.string() }).nullable().optional(),
  }),
});
export type JiraIssue = z.infer<typeof issue>;
const cloudPage = z.object({ issues: z.array(issue), nextPageToken: z.string().nullable().optional(), isLast: z.boolean().optional() });
const dcPage = z.object({ startAt: z.number(), total: z.number(), issues: z.array(issue) });
const errorBody = z.object({ errorMessages: z.array(z.string()).optional(), errors: z.record(z.string(), z.string()).optional() });

/** Seconds in Retry-After (or Jira's Beta-Retry-After), else the reset time X-RateLimit-Reset gives (ISO 8601, e.g. 2026-03-26T16:00Z). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  for (const name of ["retry-after", "beta-retry-after", "x-ratelimit-reset", "x-beta-ratelimit-reset"]) {
    const ms = parseRetryAfter(headers.get(name), now);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

/** What Jira said in an error body: errorMessages, then field errors, short. */
export function jiraMessage(body: unknown): string {
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) return "";
  const parts = [...(parsed.data.errorMessages ?? []), ...Object.entries(parsed.data.errors ?? {}).map(([field, text]) => `${field}: ${text}`)];
  const text = parts.join(" ").trim();
  return text.length > 400 ? `${text.slice(0, 399)}…` : text;
}

interface RequestOptions {
  method?: "GET" | "POST";
  body?: unknown;
  /** The config error a 404 means here (the site, a filter…). */
  notFound?: string;
  /** What a 400 is about, quoted with Jira's message ("Jira refused the JQL"). */
  badRequest?: string;
}

export class JiraClient {
  private readonly site: string;
  private readonly api: string;
  constructor(private readonly ctx: JiraContext) {
    this.site = siteOf(ctx.config);
    this.api = `${this.site}/rest/api/${isCloud(ctx.config) ? 3 : 2}`;
  }

  private authorization(): string {
    const token = this.ctx.secrets.token?.trim();
    if (isCloud(this.ctx.config)) {
      if (!token || !this.ctx.config.email) throw authError("Add the Atlassian account email and an API token to the connection.");
      return `Basic ${Buffer.from(`${this.ctx.config.email}:${token}`).toString("base64")}`;
    }
    if (!token) throw authError("Add a Jira personal access token to the connection.");
    return `Bearer ${token}`;
  }

  async request(path: string, options: RequestOptions = {}): Promise<unknown> {
    const authorization = this.authorization();
    let response: Response;
    try {
      response = await this.ctx.http(`${this.api}${path}`, {
        method: options.method ?? "GET",
        headers: { authorization, accept: "application/json", ...(options.body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (error) {
      // fetch rejects with TypeError("fetch failed") whose cause carries the DNS error code.
      const e = error as { code?: string; cause?: { code?: string } };
      const code = e.cause?.code ?? e.code;
      if (code === "ENOTFOUND" || code === "EAI_NONAME") throw configError(`Cannot find ${new URL(this.site).host}: check the Jira site URL.`, error);
      throw error;
    }
    if (!response.ok) throw await this.failure(response, options);
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      // A wrong site URL often answers 200 with an HTML page (a login or marketing page).
      throw configError(`${this.site} did not answer like Jira's REST API: check the site URL.`);
    }
  }

  private async failure(response: Response, options: RequestOptions) {
    let body: unknown = null;
    try {
      body = JSON.parse(await response.text());
    } catch {
      /* not JSON */
    }
    const said = jiraMessage(body);
    const quoted = said ? `: ${said}` : ".";
    switch (response.status) {
      case 401:
        return authError(
          isCloud(this.ctx.config)
            ? "Jira refused the credentials (HTTP 401): the API token was revoked or the email is wrong."
            : "Jira refused the personal access token (HTTP 401): it was revoked or has expired.",
        );
      case 403:
        return authError(`Jira refused access (HTTP 403): the account lacks the Browse projects permission, or Jira asks it to pass a CAPTCHA in the browser${quoted}`);
      case 404:
        return configError(options.notFound ?? `Jira says this was not found (HTTP 404)${quoted}`);
      case 400:
        return configError(`${options.badRequest ?? "Jira refused the request"} (HTTP 400)${quoted}`);
      case 429:
        return rateLimitedError("Jira is rate limiting Pacer (HTTP 429).", retryAfterMs(response.headers));
      default:
        if (response.status === 503 && retryAfterMs(response.headers) !== undefined) return rateLimitedError("Jira is overloaded and asked Pacer to wait (HTTP 503).", retryAfterMs(response.headers));
        return errorFromResponse(response, "Jira");
    }
  }

  private parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw resultShapeError(`Jira answered ${what} in an unexpected shape.`);
    return parsed.data;
  }

  private get siteNotFound() {
    return `No Jira REST API at ${this.site} (HTTP 404): check the site URL${isCloud(this.ctx.config) ? " (https://<your-site>.atlassian.net)" : " (the base URL, including any context path such as /jira)"}.`;
  }

  /** Who the credentials are: GET /myself. */
  async myself(): Promise<{ name: string }> {
    const me = this.parse(myself, await this.request("/myself", { notFound: this.siteNotFound }), "who you are");
    return { name: me.displayName ?? me.name ?? me.emailAddress ?? me.accountId ?? "an unnamed account" };
  }

  /** Issues matching the JQL (which must not hold an ORDER BY). */
  async count(jql: string): Promise<number> {
    const badRequest = "Jira refused the JQL";
    if (isCloud(this.ctx.config)) {
      const data = await this.request("/search/approximate-count", { method: "POST", body: { jql }, badRequest, notFound: this.siteNotFound });
      return this.parse(count, data, "the issue count").count;
    }
    const params = new URLSearchParams({ jql, maxResults: "0", fields: "key" });
    return this.parse(dcCount, await this.request(`/search?${params}`, { badRequest, notFound: this.siteNotFound }), "the issue count").total;
  }

  /** Every issue of the JQL, in its order, with the tree's fields; more than MAX_ISSUES is a config error. */
  async issues(jql: string): Promise<JiraIssue[]> {
    const badRequest = "Jira refused the JQL";
    const out: JiraIssue[] = [];
    const tooMany = () =>
      configError(`The JQL matches more than ${MAX_ISSUES.toLocaleString("en")} issues, more than a project can follow: narrow it (for example to one epic or fix version).`);
    if (isCloud(this.ctx.config)) {
      let token: string | undefined;
      for (;;) {
        const params = new URLSearchParams({ jql, fields: ITEM_FIELDS.join(","), maxResults: String(PAGE_SIZE) });
        if (token) params.set("nextPageToken", token);
        const page = this.parse(cloudPage, await this.request(`/search/jql?${params}`, { badRequest, notFound: this.siteNotFound }), "the issues");
        out.push(...page.issues);
        token = page.nextPageToken ?? undefined;
        if (!token || page.isLast === true) return out;
        if (out.length >= MAX_ISSUES) throw tooMany();
      }
    }
    for (let startAt = 0; ; ) {
      const params = new URLSearchParams({ jql, fields: ITEM_FIELDS.join(","), startAt: String(startAt), maxResults: String(PAGE_SIZE) });
      const page = this.parse(dcPage, await this.request(`/search?${params}`, { badRequest, notFound: this.siteNotFound }), "the issues");
      if (page.total > MAX_ISSUES) throw tooMany();
      out.push(...page.issues);
      startAt += page.issues.length;
      if (page.issues.length === 0 || startAt >= page.total) return out;
    }
  }

  /** A saved filter with its JQL: GET /filter/{id}. */
  async filter(id: string): Promise<JiraFilter> {
    const data = await this.request(`/filter/${encodeURIComponent(id)}`, {
      notFound: `The Jira filter ${id} was not found: it was deleted, or it is not shared with the connection's account. Pick another filter.`,
    });
    return this.parse(filter, data, "the filter");
  }

  /** The account's favourite filters (with JQL). */
  async favouriteFilters(): Promise<JiraFilter[]> {
    return this.parse(z.array(filter), await this.request("/filter/favourite", { notFound: this.siteNotFound }), "the favourite filters");
  }

  /** Filters whose name contains `name` (Cloud only: GET /rest/api/3/filter/search). */
  async searchFilters(name: string): Promise<JiraFilter[]> {
    if (!isCloud(this.ctx.config)) return [];
    const params = new URLSearchParams({ filterName: name, expand: "jql,favourite", maxResults: "50" });
    return this.parse(filterPage, await this.request(`/filter/search?${params}`, { notFound: this.siteNotFound }), "the filter search").values;
  }
}
