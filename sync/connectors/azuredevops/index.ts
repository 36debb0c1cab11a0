import { z } from "zod";
import { type ConnectorDefinition, defaultRateLimit, type ItemNode, type Resource } from "../../../core/integrations/contract.js";
import { entraTokenSecretFields } from "../../oauth/entraTokens.js";
import { configError } from "../errors.js";
import { AdoClient, type AdoConfig, type AdoContext, type AdoSecrets, collectionUrl, type QueryItem, queryLink, workItemLink } from "./client.js";
import { buildTree, itemState, sameType, type StateCategories, tally, uniqueIds, type WorkItem } from "./workItems.js";

/**
 * Azure DevOps (Boards): key results measured from a shared work item query, and projects whose
 * tasks are a query's work items. Plain `ctx.http` calls to the REST API 7.1 (no
 * azure-devops-node-api: its OPTIONS discovery and own retries would bypass the engine's deadline
 * and retry policy).
 *
 * - Connection: organisation + project on Azure DevOps Services, or an Azure DevOps Server
 *   collection URL; a personal access token (Work Items: Read) or a Microsoft Entra access token
 *   (refreshed by ./oauth.ts before the call, under a per-connection lock).
 * - Source: a query id and what to measure: % of completed work items, or a count (total or
 *   completed), optionally of one work item type. "Completed" follows each type's state category.
 * - fetchItems: the query's tree, 3 levels, each node with rolled-up progress and its link.
 */
const config = z
  .object({
    organization: z.string().trim().min(1).max(100).describe("the Azure DevOps organisation (account), e.g. fabrikam"),
    project: z.string().trim().min(1).max(128).describe("the project name"),
    serverUrl: z
      .string()
      .trim()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), "must be an http or https address")
      .optional()
      .describe("Azure DevOps Server only: the collection URL, e.g. https://tfs.contoso.com/tfs/DefaultCollection"),
    auth: z.enum(["pat", "entra"]).default("pat").describe("a personal access token or Microsoft Entra ID sign-in"),
  })
  .strict()
  .refine((c) => !(c.serverUrl && c.auth === "entra"), { message: "Azure DevOps Server connections use a personal access token", path: ["auth"] });

const secrets = z
  .object({
    pat: z.string().trim().min(1).max(1000).optional(),
    ...entraTokenSecretFields,
  })
  .strict();

const source = z
  .object({
    queryId: z.string().uuid().describe("a shared query"),
    queryName: z.string().max(500).optional(),
    measure: z
      .enum(["percentCompleted", "countTotal", "countCompleted"])
      .default("percentCompleted")
      .describe("% of completed work items, or a count of work items (total or completed)"),
    workItemType: z.string().trim().min(1).max(128).optional().describe("count only this work item type, e.g. User Story"),
  })
  .strict();

type Source = z.infer<typeof source>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Entra sign-in: the Azure DevOps resource's `.default` (delegated `user_impersonation`), with refresh tokens. */
export const AZURE_DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access";

/** The name Pacer suggests for a connection: "org / project". */
export const connectionName = (c: Pick<AdoConfig, "organization" | "project">) => `${c.organization} / ${c.project}`;

const isSharedQuery = (q: QueryItem) => !q.isFolder && !q.isDeleted && q.isPublic !== false && (q.path ?? "").startsWith("Shared Queries/");

function asResource(q: QueryItem, count?: number): Resource {
  return {
    id: q.id,
    name: q.path ?? q.name,
    kind: `${q.queryType ?? "flat"} query`,
    source: { queryId: q.id, queryName: q.name },
    ...(count !== undefined ? { count } : {}),
  };
}

/** Work items of the query (each once), with each type's state categories. */
async function load(ctx: AdoContext, src: Pick<Source, "queryId" | "workItemType">) {
  const client = new AdoClient(ctx);
  const query = await client.runQuery(src.queryId);
  const items = await client.getWorkItems(uniqueIds(query.links));
  const types = [...new Set(items.filter((i) => !src.workItemType || sameType(i.type, src.workItemType)).map((i) => i.type))];
  const categories = new Map<string, StateCategories>();
  for (const type of types) categories.set(type, await client.stateCategories(type));
  return { query, items, categoriesOf: (type: string) => categories.get(type) };
}

const azuredevops: ConnectorDefinition<AdoConfig, AdoSecrets, Source> = {
  id: "azuredevops",
  displayName: "Azure DevOps",
  description: "Track key results and projects from Azure Boards shared queries: % of work items completed, or counts.",
  icon:
    "data:image/svg+xml;base64," +
    Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0078d4"/><path d="M24 9v13l-5 4-8-3v3l-4-5 13 1V10zm-4 1-7-4v3l-6 2v9l2 1V11z" fill="#fff"/></svg>',
    ).toString("base64"),
  type: "data",
  category: "cross-boundary-microsoft",
  termsUrl: "https://azure.microsoft.com/support/legal/",
  docsUrl: "https://learn.microsoft.com/rest/api/azure/devops/wit/?view=azure-devops-rest-7.1",
  mode: "pull",
  schemas: { connectionConfig: config, secrets, sourceConfig: source },
  // Azure DevOps throttles per user (TSTUs over a sliding 5 minutes): stay gentle.
  rateLimit: { ...defaultRateLimit, maxConcurrentPerConnection: 2, defaultRetryAfterMs: 5 * 60_000 },
  entraSignIn: { scope: AZURE_DEVOPS_SCOPE, reads: "work items", otherwise: "a personal access token" },
  resourcePicker: {
    label: "Shared query",
    hint: "Type part of a shared query's name (My Queries are not offered).",
    placeholder: "e.g. Sprint bugs",
    listLabel: "Shared queries",
    idFields: ["queryId", "queryName"],
    nameField: "queryName",
    lookupField: "queryId",
    countNoun: "work items",
  },

  async testConnection(ctx) {
    const roots = await new AdoClient(ctx).rootQueries();
    const shared = roots.some((q) => q.name === "Shared Queries" || q.path === "Shared Queries");
    return {
      message: `Connected to ${collectionUrl(ctx.config)}, project ${ctx.config.project}${shared ? "" : " (no Shared Queries folder is visible)"}.`,
    };
  },

  async listResources(ctx, { search }) {
    const client = new AdoClient(ctx);
    const text = (search ?? "").trim();
    // A query id is what the form sends once someone picks a query: answer it with its match count.
    if (GUID.test(text)) {
      const query = await client.getQuery(text);
      if (query.isFolder) throw configError("That is a query folder, not a query.");
      const result = await client.runQuery(text);
      return [asResource(query, uniqueIds(result.links).length)];
    }
    if (!text) return [];
    return (await client.searchQueries(text)).filter(isSharedQuery).map((q) => asResource(q));
  },

  async fetchValue(ctx, src) {
    const { items, categoriesOf } = await load(ctx, src);
    const t = tally(items, categoriesOf, src.workItemType);
    const what = src.workItemType ? `${src.workItemType} work items` : "work items";
    const base = { asOf: new Date() };
    switch (src.measure) {
      case "countTotal":
        return { ...base, value: t.total, details: `${t.total} ${what}` };
      case "countCompleted":
        return { ...base, value: t.completed, details: `${t.completed} of ${t.total} ${what} completed` };
      default:
        return {
          ...base,
          value: t.total ? Math.round((t.completed / t.total) * 10_000) / 100 : 0,
          details: `${t.completed} of ${t.total} ${what} completed`,
        };
    }
  },

  async fetchItems(ctx, src) {
    const { query, items, categoriesOf } = await load(ctx, { queryId: src.queryId });
    const byId = new Map<number, WorkItem>(items.map((i) => [i.id, i]));
    const tree: ItemNode[] = buildTree(
      query.links,
      byId,
      (item) => itemState(item, categoriesOf(item.type)),
      (id) => workItemLink(ctx.config, id),
    );
    return tree;
  },

  sourceUrl: (cfg, src) => queryLink(cfg, src.queryId),
};

export { queryLink };
export default azuredevops;
