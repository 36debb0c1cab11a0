import { MongoServerError, type Collection, type Filter } from "mongodb";
import type { Store } from "../store/store.js";
import type { KrLink, LinkError, LinkStatus } from "./model.js";

/**
 * Where the sync outcome of each link lives: `linkSyncStates`, one bucket document per
 * (tenant, hash(link id) mod 64), `_id` = `<tenantId>:<n>`, holding each of its links' state as
 * one compact string under `states.<linkId>`.
 *
 * Why not fields of the link itself: FerretDB v1 (SQLite) never answers a filter from an index, so
 * every update costs a scan of its collection (measured at 10,000 links: 0.1–0.6 s per link
 * update, so an hourly run of 10k links spent its whole hour writing). A bucket takes a whole
 * run's outcomes for ~1/64 of the links in one `$set`, and strings are what FerretDB scans and
 * rewrites fastest (10,000 states in 64 buckets: 17 ms per 100-entry update as strings, 145 ms
 * as sub-documents). On MongoDB each `$set` of `states.<id>` is atomic per link.
 *
 * The link document keeps its configuration and the sync control set by people (saving the link,
 * pausing an integration, removing a connection); the state keeps what the engine and pushes
 * learn. `withState` merges them: the last sync facts always come from the state; its control
 * fields (status, failures, last error, next sync, active, stopped) only while the link is still
 * at the version they were decided for, so any edit of the link (which bumps its version) wins.
 */
export interface LinkSyncState {
  /** The link version the control fields were decided for. */
  linkVersion: number;
  status: LinkStatus;
  active: boolean;
  stoppedUntilEdited: boolean;
  failures: number;
  nextSyncAt: Date | null;
  lastError: LinkError | null;
  lastSyncedAt: Date | null;
  lastSuccessAt: Date | null;
  lastValue: number | null;
  lastDetails: string | null;
}

export interface StateBucket {
  _id: string;
  tenantId: string;
  /** Bumped by the process that finishes a claimed run of this bucket (see sync/engine/bucketClaims.ts). */
  gen?: number;
  states?: Record<string, string>;
}

export const STATE_BUCKETS = 64;

/** FNV-1a: cheap and stable, so every process and release puts a link in the same bucket. */
export function bucketOf(linkId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < linkId.length; i += 1) {
    hash ^= linkId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % STATE_BUCKETS;
}

export const bucketKey = (tenantId: string, linkId: string) => `${tenantId}:${bucketOf(linkId)}`;

const FORMAT = 1;
const STATUSES: readonly LinkStatus[] = ["pending", "ok", "failed", "paused"];
const ERROR_TYPES: readonly string[] = ["auth", "config", "rateLimited", "transient", "resultShape", "internal"];
const ms = (d: Date | null) => (d ? d.getTime() : null);
const date = (n: unknown) => (typeof n === "number" ? new Date(n) : null);

/** One state as a JSON array (positions, not keys: a bucket holds thousands). */
export function encodeState(s: LinkSyncState): string {
  const e = s.lastError;
  return JSON.stringify([
    FORMAT,
    s.linkVersion,
    s.status,
    s.active ? 1 : 0,
    s.stoppedUntilEdited ? 1 : 0,
    s.failures,
    ms(s.nextSyncAt),
    ms(s.lastSyncedAt),
    ms(s.lastSuccessAt),
    s.lastValue,
    s.lastDetails,
    e ? e.type : null,
    e ? e.message : null,
    e ? e.at.getTime() : null,
  ]);
}

/** The state, or null for anything this release cannot read (the link then shows its own fields). */
export function decodeState(text: unknown): LinkSyncState | null {
  if (typeof text !== "string") return null;
  let a: unknown;
  try {
    a = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(a) || a[0] !== FORMAT || a.length !== 14) return null;
  const [, linkVersion, status, active, stopped, failures, next, synced, success, value, details, errType, errMessage, errAt] = a as unknown[];
  if (typeof linkVersion !== "number" || !STATUSES.includes(status as LinkStatus) || typeof failures !== "number") return null;
  const lastError =
    typeof errType === "string" && ERROR_TYPES.includes(errType) && typeof errMessage === "string" && typeof errAt === "number"
      ? ({ type: errType, message: errMessage, at: new Date(errAt) } as LinkError)
      : null;
  return {
    linkVersion,
    status: status as LinkStatus,
    active: active === 1,
    stoppedUntilEdited: stopped === 1,
    failures,
    nextSyncAt: date(next),
    lastSyncedAt: date(synced),
    lastSuccessAt: date(success),
    lastValue: typeof value === "number" ? value : null,
    lastDetails: typeof details === "string" ? details : null,
    lastError,
  };
}

/** The link as the API and the engine see it: its own fields with its sync state laid over them. */
export function withState(link: KrLink, state: LinkSyncState | null | undefined): KrLink {
  if (!state) return link;
  const merged: KrLink = {
    ...link,
    lastSyncedAt: state.lastSyncedAt,
    lastSuccessAt: state.lastSuccessAt,
    lastValue: state.lastValue,
    lastDetails: state.lastDetails,
  };
  if (state.linkVersion !== link.version) return merged;
  return {
    ...merged,
    status: state.status,
    active: state.active,
    stoppedUntilEdited: state.stoppedUntilEdited,
    failures: state.failures,
    nextSyncAt: state.nextSyncAt,
    lastError: state.lastError,
  };
}

/** A merged link's state fields, with `changes` applied: what a writer stores. */
export function stateOf(link: KrLink, changes: Partial<Omit<LinkSyncState, "linkVersion">> = {}): LinkSyncState {
  return {
    linkVersion: link.version,
    status: link.status,
    active: link.active,
    stoppedUntilEdited: link.stoppedUntilEdited,
    failures: link.failures,
    nextSyncAt: link.nextSyncAt,
    lastError: link.lastError,
    lastSyncedAt: link.lastSyncedAt,
    lastSuccessAt: link.lastSuccessAt,
    lastValue: link.lastValue,
    lastDetails: link.lastDetails,
    ...changes,
  };
}

/** A bucket as read: its generation and decoded states by link id. */
export interface ReadBucket {
  key: string;
  tenantId: string;
  gen: number;
  states: Map<string, LinkSyncState>;
}

export class LinkStateStore {
  readonly raw: Collection<StateBucket>;

  constructor(store: Store) {
    this.raw = store.collection<StateBucket>("linkSyncStates");
  }

  private static read(doc: StateBucket): ReadBucket {
    const states = new Map<string, LinkSyncState>();
    for (const [linkId, text] of Object.entries(doc.states ?? {})) {
      const state = decodeState(text);
      if (state) states.set(linkId, state);
    }
    return { key: doc._id, tenantId: doc.tenantId, gen: doc.gen ?? 0, states };
  }

  /** One link's state: the bucket is read by `_id` alone (the one filter FerretDB v1 pushes down), projected to that link. */
  async get(tenantId: string, linkId: string): Promise<LinkSyncState | null> {
    const doc = await this.raw.findOne({ _id: bucketKey(tenantId, linkId) }, { projection: { tenantId: 1, [`states.${linkId}`]: 1 } });
    if (!doc || doc.tenantId !== tenantId) return null;
    return decodeState(doc.states?.[linkId]);
  }

  /** The states of these links (one tenant), reading each of their buckets once. */
  async many(tenantId: string, linkIds: string[]): Promise<Map<string, LinkSyncState>> {
    if (linkIds.length === 1) {
      const one = await this.get(tenantId, linkIds[0]!);
      return new Map(one ? [[linkIds[0]!, one]] : []);
    }
    const keys = [...new Set(linkIds.map((id) => bucketKey(tenantId, id)))];
    const found = new Map<string, LinkSyncState>();
    for (const bucket of await this.buckets(keys)) {
      if (bucket.tenantId !== tenantId) continue;
      for (const [id, state] of bucket.states) found.set(id, state);
    }
    return found;
  }

  /** Buckets by key; every bucket (all tenants: the engine's view) when `keys` is omitted. */
  async buckets(keys?: string[]): Promise<ReadBucket[]> {
    if (keys?.length === 0) return [];
    const filter: Filter<StateBucket> = !keys ? {} : keys.length === 1 ? { _id: keys[0]! } : { _id: { $in: keys } };
    return (await this.raw.find(filter).toArray()).map(LinkStateStore.read);
  }

  /**
   * Writes states, one update per bucket (`$set` of each link's entry; the bucket is created on
   * first use). `gen` moves a bucket's generation in the same write (the end of a claimed run).
   */
  async write(tenantId: string, states: Array<[linkId: string, state: LinkSyncState]>, gens: Map<string, number> = new Map()): Promise<void> {
    const byBucket = new Map<string, Record<string, string>>();
    for (const key of gens.keys()) byBucket.set(key, {});
    for (const [linkId, state] of states) {
      const key = bucketKey(tenantId, linkId);
      let set = byBucket.get(key);
      if (!set) byBucket.set(key, (set = {}));
      set[`states.${linkId}`] = encodeState(state);
    }
    for (const [key, set] of byBucket) {
      const gen = gens.get(key);
      await this.upsert(key, tenantId, gen === undefined ? set : { ...set, gen });
    }
  }

  /** Forgets a link's state (unlink). */
  async forget(tenantId: string, linkId: string): Promise<void> {
    await this.raw.updateOne({ _id: bucketKey(tenantId, linkId) }, { $unset: { [`states.${linkId}`]: "" } });
  }

  private async upsert(key: string, tenantId: string, set: Record<string, unknown>): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.raw.updateOne({ _id: key }, { $set: set, $setOnInsert: { tenantId } }, { upsert: true });
        return;
      } catch (error) {
        // Two processes created the bucket at once: the loser's write becomes an update.
        if (attempt > 0 || !(error instanceof MongoServerError && error.code === 11000)) throw error;
      }
    }
  }
}
