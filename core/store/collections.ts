import type { Db, IndexDescription } from "mongodb";

/**
 * Every collection Pacer uses, with its indexes. `ensureSchema` creates what is missing at
 * start-up, idempotently, so a new release only adds a line here.
 *
 * Tenant data carries `tenantId` and its indexes lead with it: FerretDB v1 pushes equality
 * filters down to SQLite, so `{ tenantId, … }` lookups stay cheap there too. TTL indexes,
 * collations and partial indexes are avoided (FerretDB v1 lacks them).
 */
export interface CollectionSpec {
  name: string;
  /** false only for process-coordination collections that hold no tenant data. */
  tenantScoped: boolean;
  indexes: IndexDescription[];
}

export const collectionSpecs: CollectionSpec[] = [
  {
    name: "organizations",
    tenantScoped: true,
    indexes: [{ key: { tenantId: 1 }, name: "tenant_unique", unique: true }],
  },
  {
    name: "users",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, oid: 1 }, name: "tenant_oid_unique", unique: true },
      { key: { tenantId: 1, _id: 1 }, name: "tenant_id" },
    ],
  },
  // OKRs (core/okr): teams, periods, objectives, key results, their check-in history, projects, activity feed.
  {
    name: "teams",
    tenantScoped: true,
    indexes: [{ key: { tenantId: 1, _id: 1 }, name: "tenant_id" }],
  },
  {
    name: "periods",
    tenantScoped: true,
    indexes: [{ key: { tenantId: 1, key: 1 }, name: "tenant_key_unique", unique: true }],
  },
  {
    name: "objectives",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, periodId: 1 }, name: "tenant_period" },
      { key: { tenantId: 1, ownerId: 1 }, name: "tenant_owner" },
      { key: { tenantId: 1, parentIds: 1 }, name: "tenant_parents" },
      { key: { tenantId: 1, createdAt: 1, _id: 1 }, name: "tenant_created" },
    ],
  },
  {
    name: "keyResults",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, objectiveId: 1 }, name: "tenant_objective" },
      { key: { tenantId: 1, parentIds: 1 }, name: "tenant_parents" },
      { key: { tenantId: 1, createdAt: 1, _id: 1 }, name: "tenant_created" },
    ],
  },
  {
    name: "checkIns",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, keyResultId: 1, createdAt: -1 }, name: "tenant_kr_created" },
      { key: { tenantId: 1, objectiveId: 1 }, name: "tenant_objective" },
    ],
  },
  {
    name: "projects",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, objectiveId: 1 }, name: "tenant_objective" },
      { key: { tenantId: 1, keyResultId: 1 }, name: "tenant_kr" },
    ],
  },
  {
    name: "activity",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, objectiveId: 1, createdAt: -1 }, name: "tenant_objective_created" },
      { key: { tenantId: 1, subjectId: 1, createdAt: -1 }, name: "tenant_subject_created" },
      { key: { tenantId: 1, parentId: 1 }, name: "tenant_parent" },
    ],
  },
  // Teams bot (bot/): where Pacer may post, which conversations get progress cards, which Teams
  // threads mirror which OKR feed, which inbound activities were already handled (unique _id).
  {
    name: "botConversations",
    tenantScoped: true,
    indexes: [{ key: { tenantId: 1, userId: 1 }, name: "tenant_user" }],
  },
  {
    name: "botSubscriptions",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, createdAt: 1 }, name: "tenant_created" },
      { key: { tenantId: 1, conversationId: 1 }, name: "tenant_conversation" },
    ],
  },
  {
    name: "botThreads",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, subjectId: 1 }, name: "tenant_subject" },
      { key: { tenantId: 1, conversationId: 1, rootActivityId: 1 }, name: "tenant_conversation_root" },
    ],
  },
  {
    name: "botProcessedActivities",
    tenantScoped: true,
    indexes: [],
  },
  {
    name: "botReactions",
    tenantScoped: true,
    indexes: [{ key: { tenantId: 1, commentId: 1 }, name: "tenant_comment" }],
  },
  {
    // Per-organisation bot settings (check-in reminder rhythm), `_id` = `settings:<tenantId>`.
    name: "botSettings",
    tenantScoped: true,
    indexes: [],
  },
  // Entra sign-in for connectors (sync/oauth/entraOAuth.ts): pending consents (`_id` = the random state,
  // with expiry; `<state>#used` marks one consumed) and per-connection refresh locks (`_id` = connection id).
  {
    name: "oauthStates",
    tenantScoped: false,
    indexes: [],
  },
  {
    name: "tokenLocks",
    tenantScoped: false,
    indexes: [],
  },
  // Optimistic-concurrency claims (TenantCollection.update): one per in-flight versioned write, deleted right after.
  {
    name: "versionClaims",
    tenantScoped: false,
    indexes: [],
  },
  {
    // Scheduler state per periodic job (next run, last outcome). Process coordination, no tenant data.
    name: "schedulerJobs",
    tenantScoped: false,
    indexes: [],
  },
  {
    // One document per claimed run of a task (see sync/runClaims.ts). No tenant data.
    name: "runClaims",
    tenantScoped: false,
    indexes: [{ key: { task: 1, run: 1 }, name: "task_run" }],
  },
  // Integrations (core/integrations, sync/): org settings (`_id` = tenant id), connections, one link per linked KR.
  {
    name: "orgIntegrations",
    tenantScoped: true,
    indexes: [{ key: { tenantId: 1 }, name: "tenant" }],
  },
  {
    name: "connections",
    tenantScoped: true,
    indexes: [{ key: { tenantId: 1, integrationId: 1 }, name: "tenant_integration" }],
  },
  {
    name: "krLinks",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, keyResultId: 1 }, name: "tenant_kr_unique", unique: true },
      { key: { tenantId: 1, connectionId: 1 }, name: "tenant_connection" },
      { key: { tenantId: 1, integrationId: 1 }, name: "tenant_integration" },
      { key: { active: 1, nextSyncAt: 1 }, name: "active_next" },
      { key: { pushTokenHash: 1 }, name: "push_token" },
    ],
  },
  {
    // Each link's sync state (core/integrations/linkStates.ts): `_id` = `<tenantId>:<bucket>`, read and
    // written by `_id` alone (FerretDB v1 scans for any other filter), the tenant checked on read.
    name: "linkSyncStates",
    tenantScoped: true,
    indexes: [],
  },
  {
    // Push idempotency: `_id` = hash of (link, Idempotency-Key) → the first answer, replayed.
    name: "pushReceipts",
    tenantScoped: true,
    indexes: [],
  },
  {
    // Push rate limit: one slot document per accepted push, `_id` = link:window:n (unique insert).
    name: "pushRateSlots",
    tenantScoped: false,
    indexes: [{ key: { linkId: 1, window: 1 }, name: "link_window" }],
  },
  {
    // "Leave this connection alone until" after a 429, shared by every process.
    name: "syncBlocks",
    tenantScoped: false,
    indexes: [],
  },
  {
    // Sync claims of state buckets in progress (sync/engine/bucketClaims.ts; deleted when done). No tenant data.
    name: "linkClaims",
    tenantScoped: false,
    indexes: [{ key: { task: 1, run: 1 }, name: "task_run" }],
  },
  // Power BI feed (core/powerbi): saved feed queries and per-user API keys (only their SHA-256 hash).
  {
    name: "feedQueries",
    tenantScoped: true,
    indexes: [{ key: { tenantId: 1, createdAt: 1, _id: 1 }, name: "tenant_created" }],
  },
  {
    name: "apiKeys",
    tenantScoped: true,
    indexes: [
      { key: { tenantId: 1, userId: 1 }, name: "tenant_user" },
      // A presented key is looked up by its hash before its tenant is known (the key decides the tenant).
      { key: { keyHash: 1 }, name: "key_hash_unique", unique: true },
    ],
  },
];

/**
 * Creates missing collections and indexes, one at a time. Sequential on purpose: FerretDB v1.24
 * (SQLite backend) can panic and drop the connection when index and collection creation run
 * concurrently on one database, so DDL is never issued in parallel, and indexes that already
 * exist are not re-created on every start.
 */
export async function ensureSchema(db: Db, specs: CollectionSpec[] = collectionSpecs): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const spec of specs) {
    if (!existing.has(spec.name)) {
      try {
        await db.createCollection(spec.name);
      } catch (error) {
        // Another Pacer process created it first (code 48, NamespaceExists).
        if ((error as { code?: number }).code !== 48) throw error;
      }
    }
    if (spec.indexes.length === 0) continue;
    const present = new Set((await db.collection(spec.name).listIndexes().toArray()).map((index) => index.name as string));
    for (const index of spec.indexes) {
      if (!present.has(index.name!)) await db.collection(spec.name).createIndex(index.key, index);
    }
  }
}
