import { z } from "zod";
import type { ConnectorContext } from "../../../core/integrations/contract.js";
import { authError, configError, errorFromResponse, parseRetryAfter, rateLimitedError, resultShapeError } from "../errors.js";
import { chunk, type QueryLink, type StateCategories, type WorkItem } from "./workItems.js";

export const API_VERSION = "7.1";
/** workitemsbatch takes at most 200 ids. */
export const BATCH_SIZE = 200;
/** WIQL refuses results above 20,000 work items (VS402337). */
export const MAX_QUERY_RESULTS = 20_000;
const STATE_CACHE_MS = 60 * 60 * 1000;
const FIELDS = ["System.Id", "System.Title", "System.State", "System.WorkItemType"];

export interface AdoConfig {
  organization: string;
  project: string;
  /** An Azure DevOps Server collection URL; unset → Azure DevOps Services (https://dev.azure.com/<organization>). */
  serverUrl?: string | undefined;
  auth: "pat" | "entra";
}
export interface AdoSecrets {
  pat?: string | undefined;
  /** A Microsoft Entra access token for Azure DevOps, kept fresh by oauth.ts before each run. */
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
  expiresAt?: string | undefined;
}
export type AdoContext = ConnectorContext<AdoConfig, AdoSecrets>;

export const collectionUrl = (c: Pick<AdoConfig, "organization" | "serverUrl">) =>
  c.serverUrl ? c.serverUrl.replace(/\/+$/, "") : `https://dev.azure.com/${encodeURIComponent(c.organization)}`;
export const projectUrl = (c: Pick<AdoConfig, "organization" | "serverUrl" | "project">) => `${collectionUrl(c)}/${encodeURIComponent(c.project)}`;
export const workItemLink = (c: AdoConfig, id: number | string) => `${projectUrl(c)}/_workitems/edit/${id}`;
export const queryLink = (c: AdoConfig, queryId: string) => `${projectUrl(c)}/_queries/query/${queryId}/`;

const queryItem = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string().optional(),
  isFolder: z.boolean().optional(),
  isPublic: z.boolean().optional(),
  isDeleted: z.boolean().optional(),
  queryType: z.string().optional(),
  get children() {
    return z.array(queryItem).optional();
  },
});
export type QueryItem = z.infer<typeof queryItem>;
const queryList = z.object({ count: z.number().optional(), value: z.array(queryItem) });
const ref = z.object({ id: z.number() });
const wiqlResult = z.object({
  queryType: z.string(),
  queryResultType: z.string().optional(),
  workItems: z.array(ref).optional(),
  workItemRelations: z
    .array(z.object({ rel: z.string().nullable().optional(), source: ref.nullable().optional(), target: ref }))
    .optional(),
});
const batchResult = z.object({
  value: z.array(
    z
      .object({
        id: z.number(),
        fields: z.record(z.string(), z.unknown()),
      })
      .nullable(),
  ),
});
const statesResult = z.object({ value: z.array(z.object({ name: z.string(), category: z.string() })) });

export interface QueryResult {
  queryType: string;
  links: QueryLink[];
}

const stateCache = new Map<string, { at: number; categories: StateCategories }>();
export const clearStateCache = () => stateCache.clear();

/**
 * One client per connector call. Throws typed connector errors; never sleeps or retries (the sync
 * engine does, from the error). A 2xx answer that asks Pacer to slow down (`Retry-After`, or
 * `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset`) is used, but the next request of the same
 * call is not sent: it ends the call as rate limited, so the engine waits before the next run.
 */
export class AdoClient {
  private pauseMs: number | undefined;
  constructor(private readonly ctx: AdoContext) {}

  private authorization(): string {
    const { auth } = this.ctx.config;
    if (auth === "entra") {
      if (!this.ctx.secrets.accessToken) throw authError("Sign in to Azure DevOps with Microsoft Entra ID again: no access token is stored.");
      return `Bearer ${this.ctx.secrets.accessToken}`;
    }
    if (!this.ctx.secrets.pat) throw authError("Add a personal access token (scope Work Items: Read) to the connection.");
    return `Basic ${Buffer.from(`:${this.ctx.secrets.pat}`).toString("base64")}`;
  }

  async request(url: string, options: { method?: string; body?: unknown; notFound?: string } = {}): Promise<unknown> {
    if (this.pauseMs !== undefined) throw rateLimitedError("Azure DevOps asked Pacer to slow down; the rest waits for the next run.", this.pauseMs);
    const response = await this.ctx.http(url, {
      method: options.method ?? "GET",
      headers: {
        authorization: this.authorization(),
        accept: "application/json",
        // Ask for 401 instead of a redirect to the sign-in page (Azure DevOps honours it on most routes).
        "x-tfs-fedauthredirect": "Suppress",
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      redirect: "manual",
    });
    const type = response.headers.get("content-type") ?? "";
    // Azure DevOps answers bad or expired credentials with 203 (sometimes 202) and an HTML sign-in
    // page instead of a 401, so a 2xx status proves nothing: check explicitly.
    if (response.status === 203 || (response.ok && /text\/html/i.test(type)) || (response.status >= 300 && response.status < 400)) {
      await response.body?.cancel();
      throw authError(this.refusedMessage(`HTTP ${response.status}, a sign-in page`));
    }
    if (!response.ok) throw await this.failure(response, options.notFound);
    this.notePause(response.headers);
    try {
      return await response.json();
    } catch {
      throw resultShapeError("Azure DevOps answered with something that is not JSON.");
    }
  }

  private refusedMessage(what: string): string {
    return this.ctx.config.auth === "entra"
      ? `Azure DevOps refused the Microsoft Entra sign-in (${what}): sign in again.`
      : `Azure DevOps refused the personal access token (${what}): it is wrong, expired, or lacks the Work Items: Read scope.`;
  }

  private async failure(response: Response, notFound?: string) {
    let body: { message?: string; typeKey?: string } = {};
    try {
      body = (await response.json()) as typeof body;
    } catch {
      /* not JSON */
    }
    const message = typeof body.message === "string" ? body.message : "";
    if (response.status === 401) {
      // TF400813 with a bearer token: the organisation turned "Third-party application access via
      // OAuth" off (or the user cannot see the project), so re-signing in will not help by itself.
      if (this.ctx.config.auth === "entra" && /TF400813/.test(message)) {
        return authError(
          "Azure DevOps refused the Microsoft Entra sign-in (TF400813). An organisation administrator must turn on " +
            "“Third-party application access via OAuth” (Organization settings → Policies), and the user must have access to the project.",
        );
      }
      return authError(this.refusedMessage("HTTP 401"));
    }
    if (/VS402337/.test(message)) return tooManyResults();
    if (response.status === 404 && notFound) return configError(notFound);
    if (response.status === 429) {
      const typed = errorFromResponse(response, "Azure DevOps");
      return rateLimitedError("Azure DevOps is rate limiting Pacer (HTTP 429).", (typed as { retryAfterMs?: number }).retryAfterMs);
    }
    return errorFromResponse(response, "Azure DevOps");
  }

  private notePause(headers: Headers) {
    const retryAfter = parseRetryAfter(headers.get("retry-after"));
    if (retryAfter !== undefined) {
      this.pauseMs = retryAfter;
      return;
    }
    const remaining = headers.get("x-ratelimit-remaining");
    const reset = headers.get("x-ratelimit-reset");
    if (remaining !== null && Number(remaining) <= 0 && reset && /^\d+$/.test(reset.trim())) {
      this.pauseMs = Math.max(0, Number(reset) * 1000 - Date.now());
    }
    const delay = headers.get("x-ratelimit-delay");
    if (delay) this.ctx.log.info({ delaySeconds: Number(delay), resource: headers.get("x-ratelimit-resource") }, "Azure DevOps delayed a request");
  }

  private parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw resultShapeError(`Azure DevOps answered ${what} in an unexpected shape.`);
    return parsed.data;
  }

  /** Root folders of the project's queries: cheap proof that the credentials can read work item queries. */
  async rootQueries(): Promise<QueryItem[]> {
    const data = await this.request(`${projectUrl(this.ctx.config)}/_apis/wit/queries?$depth=0&api-version=${API_VERSION}`, {
      notFound: `Azure DevOps has no project “${this.ctx.config.project}” in this organisation (or the credentials cannot see it).`,
    });
    return this.parse(queryList, data, "the query folders").value;
  }

  /** Queries whose name contains `text` (up to 50). */
  async searchQueries(text: string): Promise<QueryItem[]> {
    const params = new URLSearchParams({ $filter: text, $top: "50", $expand: "wiql", "api-version": API_VERSION });
    const data = await this.request(`${projectUrl(this.ctx.config)}/_apis/wit/queries?${params}`);
    return this.parse(queryList, data, "the query search").value;
  }

  async getQuery(id: string): Promise<QueryItem> {
    const data = await this.request(`${projectUrl(this.ctx.config)}/_apis/wit/queries/${encodeURIComponent(id)}?api-version=${API_VERSION}`, {
      notFound: queryGone,
    });
    return this.parse(queryItem, data, "the query");
  }

  async runQuery(id: string): Promise<QueryResult> {
    const data = await this.request(`${projectUrl(this.ctx.config)}/_apis/wit/wiql/${encodeURIComponent(id)}?api-version=${API_VERSION}`, {
      notFound: queryGone,
    });
    const result = this.parse(wiqlResult, data, "the query result");
    const links: QueryLink[] = result.workItemRelations
      ? result.workItemRelations.map((r) => ({ rel: r.rel ?? null, sourceId: r.source?.id ?? null, targetId: r.target.id }))
      : (result.workItems ?? []).map((w) => ({ rel: null, sourceId: null, targetId: w.id }));
    return { queryType: result.queryType, links };
  }

  /** The work items, 200 per request; items deleted since the query ran are left out. */
  async getWorkItems(ids: readonly number[]): Promise<WorkItem[]> {
    if (ids.length > MAX_QUERY_RESULTS) throw tooManyResults();
    const items: WorkItem[] = [];
    for (const batch of chunk(ids, BATCH_SIZE)) {
      const data = await this.request(`${projectUrl(this.ctx.config)}/_apis/wit/workitemsbatch?api-version=${API_VERSION}`, {
        method: "POST",
        body: { ids: batch, fields: FIELDS, errorPolicy: "Omit" },
      });
      for (const item of this.parse(batchResult, data, "the work items").value) {
        if (!item) continue;
        const f = item.fields;
        items.push({
          id: item.id,
          title: typeof f["System.Title"] === "string" ? f["System.Title"] : `#${item.id}`,
          state: typeof f["System.State"] === "string" ? f["System.State"] : "",
          type: typeof f["System.WorkItemType"] === "string" ? f["System.WorkItemType"] : "",
        });
      }
    }
    return items;
  }

  /** A work item type's states and their categories, cached an hour per collection, project and type. */
  async stateCategories(type: string): Promise<StateCategories> {
    const key = `${projectUrl(this.ctx.config)}|${type.toLowerCase()}`;
    const cached = stateCache.get(key);
    if (cached && Date.now() - cached.at < STATE_CACHE_MS) return cached.categories;
    const data = await this.request(
      `${projectUrl(this.ctx.config)}/_apis/wit/workitemtypes/${encodeURIComponent(type)}/states?api-version=${API_VERSION}`,
      { notFound: `Azure DevOps has no work item type “${type}” in this project.` },
    );
    const categories = new Map(this.parse(statesResult, data, "the states").value.map((s) => [s.name.toLowerCase(), s.category]));
    stateCache.set(key, { at: Date.now(), categories });
    return categories;
  }
}

const queryGone = "The Azure DevOps query was not found: it was deleted, or the connection cannot read it. Pick another query.";
const tooManyResults = () =>
  configError(`The query returns more than ${MAX_QUERY_RESULTS.toLocaleString("en")} work items, Azure DevOps's limit: narrow it.`);
