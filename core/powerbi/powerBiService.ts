import { AppError, forbidden, notFound, unauthenticated } from "../errors/appError.js";
import type { Actor } from "../okr/actor.js";
import { isOrgAdmin } from "../okr/permissions.js";
import type { OkrDeps } from "../okr/services/context.js";
import type { PeriodService } from "../okr/services/periodService.js";
import { type Organization, OrganizationRepository } from "../store/repositories/organizations.js";
import { type User, UserRepository } from "../store/repositories/users.js";
import type { Store } from "../store/store.js";
import type { TenantCollection } from "../store/tenantCollection.js";
import { aggregate, rowLevelRows } from "./aggregate.js";
import { generateApiKey, hashApiKey, looksLikeApiKey } from "./apiKeys.js";
import { columnsFor, keyColumns, type Row } from "./columns.js";
import { buildMetadata } from "./edmx.js";
import { FeedSource } from "./feedSource.js";
import { toStoreFilter } from "./filter.js";
import {
  type ApiKey,
  DEFAULT_MINIMUM_GROUP_SIZE,
  type FeedEntitySet,
  type FeedQuery,
  type FeedQueryCreate,
  type FeedQueryUpdate,
} from "./model.js";
import { applyOptions, parseQueryOptions, project, type QueryOptions } from "./queryOptions.js";

/** Who reads a feed: the API key's organisation and owner, as they are now. */
export interface FeedCaller {
  org: Organization;
  user: User;
  key: ApiKey;
}

export interface EntitySetPage {
  rows: Row[];
  total: number;
  nextSkip: number | null;
  options: QueryOptions;
}

export interface QueryPreview {
  entitySet: FeedEntitySet;
  rows: number;
  groups: number | null;
  suppressedGroups: number | null;
  /** Why an aggregated set is empty, for the admin tab. */
  explanation: string | null;
}

const API_KEY_TOUCH_MS = 60 * 60_000;

export const minimumGroupSizeOf = (org: Pick<Organization, "minimumGroupSize">) => org.minimumGroupSize ?? DEFAULT_MINIMUM_GROUP_SIZE;

/**
 * The Power BI feed: saved queries (org admins), per-user API keys, and the rows each entity set
 * of a query serves. Row-level data goes only to org admins and owners, checked on every request
 * with the key owner's current role; aggregated groups below the organisation's minimum group
 * size are left out.
 */
export class PowerBiService {
  readonly queries: TenantCollection<FeedQuery>;
  readonly apiKeys: TenantCollection<ApiKey>;
  private readonly source: FeedSource;

  constructor(
    store: Store,
    private readonly deps: OkrDeps,
  ) {
    this.queries = store.tenantCollection<FeedQuery>("feedQueries");
    this.apiKeys = store.tenantCollection<ApiKey>("apiKeys");
    this.source = new FeedSource(deps);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private requireAdmin(actor: Actor, what: string): void {
    if (!isOrgAdmin(actor) || actor.orgRole === "system") throw forbidden(`Only organisation owners and admins ${what}.`);
  }

  // Settings and people's attributes.

  async settings(actor: Actor): Promise<Organization> {
    const org = await this.deps.orgs.get(actor.tenantId);
    if (!org) throw notFound("Organisation");
    return org;
  }

  async setMinimumGroupSize(actor: Actor, minimumGroupSize: number, version?: number): Promise<Organization> {
    this.requireAdmin(actor, "change the minimum group size");
    const org = await this.settings(actor);
    return this.deps.orgs.setMinimumGroupSize(actor.tenantId, minimumGroupSize, version ?? org.version);
  }

  async setPersonAttributes(
    actor: Actor,
    userId: string,
    input: { department?: string | null | undefined; managerName?: string | null | undefined; location?: string | null | undefined },
  ): Promise<User> {
    this.requireAdmin(actor, "set people's attributes");
    const set = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v === "" ? null : v]));
    const updated = await this.deps.users.users.update(actor.tenantId, userId, { $set: set });
    if (!updated) throw notFound("User");
    return updated;
  }

  // Saved queries.

  listQueries(actor: Actor): Promise<FeedQuery[]> {
    return this.queries.find(actor.tenantId, {}, { sort: { createdAt: 1, _id: 1 }, limit: 500 });
  }

  async getQuery(actor: Actor, id: string): Promise<FeedQuery> {
    const query = await this.queries.findById(actor.tenantId, id);
    if (!query) throw notFound("Feed query");
    return query;
  }

  async createQuery(actor: Actor, input: FeedQueryCreate): Promise<FeedQuery> {
    this.requireAdmin(actor, "create feed queries");
    await this.assertReferences(actor.tenantId, input.periodIds, input.teamIds);
    return this.queries.insert(actor.tenantId, { ...input, createdBy: actor.userId ?? "system" });
  }

  async updateQuery(actor: Actor, id: string, input: FeedQueryUpdate): Promise<FeedQuery> {
    this.requireAdmin(actor, "edit feed queries");
    const current = await this.getQuery(actor, id);
    const { version, ...changes } = input;
    const next = { ...current, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) } as FeedQuery;
    if (next.schemaType === "unpivoted" && next.attributes.length === 0) {
      throw new AppError("invalid_request", 400, "The request body is invalid.", [{ path: "attributes", message: "an unpivoted query needs at least one attribute" }]);
    }
    await this.assertReferences(actor.tenantId, changes.periodIds ?? [], changes.teamIds ?? []);
    const updated = await this.queries.update(actor.tenantId, id, { $set: changes }, { expectedVersion: version ?? current.version });
    if (!updated) throw notFound("Feed query");
    return updated;
  }

  async deleteQuery(actor: Actor, id: string): Promise<void> {
    this.requireAdmin(actor, "delete feed queries");
    if (!(await this.queries.delete(actor.tenantId, id))) throw notFound("Feed query");
  }

  private async assertReferences(tenantId: string, periodIds: readonly string[], teamIds: readonly string[]): Promise<void> {
    for (const [index, id] of periodIds.entries()) {
      if (!(await this.deps.okr.periods.findById(tenantId, id))) {
        throw new AppError("invalid_request", 400, "A period does not exist.", [{ path: `periodIds.${index}`, message: "no such period in this organisation" }]);
      }
    }
    for (const [index, id] of teamIds.entries()) {
      if (!(await this.deps.okr.teams.findById(tenantId, id))) {
        throw new AppError("invalid_request", 400, "A team does not exist.", [{ path: `teamIds.${index}`, message: "no such team in this organisation" }]);
      }
    }
  }

  // API keys.

  /** Any member may hold keys; the key is returned this once and only its hash is kept. */
  async createApiKey(actor: Actor, name: string): Promise<{ apiKey: ApiKey; key: string }> {
    if (!actor.userId) throw forbidden("API keys belong to people.");
    const { key, prefix, keyHash } = generateApiKey();
    const apiKey = await this.apiKeys.insert(actor.tenantId, { userId: actor.userId, name, prefix, keyHash, revokedAt: null, lastUsedAt: null });
    return { apiKey, key };
  }

  /** The caller's keys; org admins see everyone's. */
  listApiKeys(actor: Actor): Promise<ApiKey[]> {
    const filter = isOrgAdmin(actor) ? {} : { userId: actor.userId ?? "" };
    return this.apiKeys.find(actor.tenantId, filter, { sort: { createdAt: 1, _id: 1 }, limit: 500 });
  }

  /** Revokes a key (its owner or an org admin). Revoking twice is harmless. */
  async revokeApiKey(actor: Actor, id: string): Promise<ApiKey> {
    const key = await this.apiKeys.findById(actor.tenantId, id);
    if (!key || (!isOrgAdmin(actor) && key.userId !== actor.userId)) throw notFound("API key");
    if (key.revokedAt) return key;
    const updated = await this.apiKeys.update(actor.tenantId, id, { $set: { revokedAt: this.now() } });
    if (!updated) throw notFound("API key");
    return updated;
  }

  /**
   * Checks a presented key against the organisation in the URL (the partition). The key is found
   * by its hash before its tenant is known, because the key is what decides the tenant; it must
   * then belong to the partition's organisation, be unrevoked, and its owner must still exist.
   */
  async authenticate(presented: string | undefined, partition: string): Promise<FeedCaller> {
    if (!presented) throw unauthenticated("Send your Pacer API key (Power BI: Web API credential with ApiKeyName, or Authorization: Bearer).");
    if (!looksLikeApiKey(presented)) throw unauthenticated("That is not a Pacer API key.");
    const key = (await this.apiKeys.raw.findOne({ keyHash: hashApiKey(presented) })) as ApiKey | null;
    if (!key) throw unauthenticated("The API key is unknown.");
    if (key.revokedAt) throw unauthenticated("The API key was revoked.");
    const [org, user] = await Promise.all([this.deps.orgs.get(key.tenantId), this.deps.users.findById(key.tenantId, key.userId)]);
    if (!org || !user) throw unauthenticated("The API key's owner no longer exists.");
    if (org._id !== partition) throw forbidden("This API key belongs to another organisation.");
    const now = this.now();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > API_KEY_TOUCH_MS) {
      await this.apiKeys.update(key.tenantId, key._id, { $set: { lastUsedAt: now } }).catch(() => undefined);
    }
    return { org, user, key };
  }

  /** The saved query a feed URL names, readable by this caller (row-level: org admins only, now). */
  async feedQuery(caller: FeedCaller, queryId: string): Promise<FeedQuery> {
    const query = await this.queries.findById(caller.org.tenantId, queryId);
    if (!query) throw notFound("Feed query");
    if (query.granularity === "rowLevel" && caller.user.orgRole !== "owner" && caller.user.orgRole !== "admin") {
      throw forbidden("This query returns row-level data, which only organisation owners and admins may read; ask an admin for an aggregated query.");
    }
    return query;
  }

  metadata(caller: FeedCaller, query: FeedQuery): string {
    return buildMetadata(query, minimumGroupSizeOf(caller.org));
  }

  /** One page of an entity set under the OData options (already URL-decoded parameters). */
  async read(caller: FeedCaller, query: FeedQuery, entitySet: FeedEntitySet, params: Record<string, string | undefined>, pageSize: number): Promise<EntitySetPage> {
    const columns = columnsFor(entitySet, query);
    const options = parseQueryOptions(params, columns);
    const rows = await this.rows(caller, query, entitySet, options);
    const window = applyOptions(rows, options, keyColumns(columns), pageSize);
    return { rows: window.rows.map((row) => project(row, options.select, columns)), total: window.total, nextSkip: window.nextSkip, options };
  }

  private async rows(caller: FeedCaller, query: FeedQuery, entitySet: FeedEntitySet, options: QueryOptions | null): Promise<Row[]> {
    const { tenantId } = caller.org;
    if (query.granularity === "rowLevel") {
      const pushed = options?.filter ? toStoreFilter(options.filter, columnsFor(entitySet, query)) : null;
      return rowLevelRows(await this.source.facts(tenantId, query, entitySet, pushed), query);
    }
    return aggregate(entitySet, await this.source.facts(tenantId, query, entitySet, null), query, minimumGroupSizeOf(caller.org)).rows;
  }

  /** What each entity set of a query holds, and why an aggregated one is empty (admin tab). */
  async preview(actor: Actor, id: string): Promise<QueryPreview[]> {
    this.requireAdmin(actor, "preview feed queries");
    const query = await this.getQuery(actor, id);
    const org = await this.settings(actor);
    const minimum = minimumGroupSizeOf(org);
    const previews: QueryPreview[] = [];
    for (const entitySet of query.entitySets) {
      const facts = await this.source.facts(actor.tenantId, query, entitySet, null);
      if (query.granularity === "rowLevel") {
        previews.push({ entitySet, rows: rowLevelRows(facts, query).length, groups: null, suppressedGroups: null, explanation: null });
        continue;
      }
      const result = aggregate(entitySet, facts, query, minimum);
      let explanation: string | null = null;
      if (result.groups === 0) explanation = "There is no data for this query's periods and teams yet.";
      else if (result.rows.length === 0) {
        explanation = `All ${result.groups} group(s) have fewer than ${minimum} people (the organisation's minimum group size), so they are left out to protect privacy. Group by fewer attributes, widen the periods or teams, or lower the minimum group size.`;
      }
      previews.push({ entitySet, rows: result.rows.length, groups: result.groups, suppressedGroups: result.suppressed, explanation });
    }
    return previews;
  }
}


/** The feed over the OKR service layer's collections and people. */
export function createPowerBiService(
  store: Store,
  okr: { store: OkrDeps["okr"]; events: OkrDeps["events"]; periods?: Pick<PeriodService, "addReferences"> },
  now?: () => Date,
): PowerBiService {
  const service = new PowerBiService(store, {
    okr: okr.store,
    users: new UserRepository(store),
    orgs: new OrganizationRepository(store),
    events: okr.events,
    ...(now ? { now } : {}),
  });
  // Saved queries name periods: a query whose period vanished would quietly serve no rows for it.
  okr.periods?.addReferences("feedQueries", (tenantId, periodId) => service.queries.count(tenantId, { periodIds: periodId }));
  return service;
}
