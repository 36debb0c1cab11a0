import { randomUUID } from "node:crypto";
import type { Collection, Document, Filter, FindOptions, OptionalUnlessRequiredId, UpdateFilter } from "mongodb";
import { conflict } from "../errors/appError.js";

/** Fields every tenant document has. `version` increments on each update (optimistic concurrency). */
export interface TenantDocument extends Document {
  _id: string;
  tenantId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

type Managed = "_id" | "tenantId" | "version" | "createdAt" | "updatedAt";
export type NewDocument<T extends TenantDocument> = Omit<T, Managed> & { _id?: string };
export type TenantFilter<T extends TenantDocument> = Filter<Omit<T, "tenantId">>;

function requireTenant(tenantId: string): string {
  if (typeof tenantId !== "string" || tenantId.length === 0) {
    throw new Error("tenantId is required for every tenant-scoped store call");
  }
  return tenantId;
}

/**
 * A collection whose every read and write is confined to one tenant: each method takes the
 * tenant id and adds it to the filter last, so a caller's filter can never widen it. Repositories
 * are built on this rather than on raw collections, which makes tenant isolation structural.
 */
/** A short-lived lock on "document X goes from version v to v+1" (see `update`). */
export interface VersionClaim {
  _id: string;
  at: Date;
}

/** A claim this old belongs to a writer that died between claiming and writing. */
const STALE_CLAIM_MS = 30_000;

export class TenantCollection<T extends TenantDocument> {
  /**
   * @param byIdOnly true when the server answers only `{ _id }` filters without decoding the whole
   * collection (FerretDB v1: it filters by `_id` inside SQLite, anything else in Go, ~13× slower per
   * document, measured): writes by id then read the document by `_id`, check tenant and version
   * here, and write with an `{ _id }` filter. On MongoDB the filter carries them (atomic).
   */
  constructor(
    readonly raw: Collection<T>,
    private readonly claims?: Collection<VersionClaim>,
    private readonly byIdOnly: () => boolean = () => false,
  ) {}

  private scope(tenantId: string, filter: TenantFilter<T> = {}): Filter<T> {
    return { ...filter, tenantId: requireTenant(tenantId) } as Filter<T>;
  }

  async findById(tenantId: string, id: string): Promise<T | null> {
    requireTenant(tenantId);
    // FerretDB v1 (SQLite) uses its _id index only when the filter is exactly { _id }; any other
    // filter scans the whole collection. So read by id alone, then enforce the tenant here.
    const doc = (await this.raw.findOne({ _id: id } as Filter<T>)) as T | null;
    return doc && doc.tenantId === tenantId ? doc : null;
  }

  async findOne(tenantId: string, filter: TenantFilter<T>): Promise<T | null> {
    return this.raw.findOne(this.scope(tenantId, filter)) as Promise<T | null>;
  }

  async find(tenantId: string, filter: TenantFilter<T> = {}, options: FindOptions = {}): Promise<T[]> {
    return this.raw.find(this.scope(tenantId, filter), options).toArray() as Promise<T[]>;
  }

  async count(tenantId: string, filter: TenantFilter<T> = {}): Promise<number> {
    return this.raw.countDocuments(this.scope(tenantId, filter));
  }

  async insert(tenantId: string, doc: NewDocument<T>, now = new Date()): Promise<T> {
    const full = {
      ...doc,
      _id: doc._id ?? randomUUID(),
      tenantId: requireTenant(tenantId),
      version: 1,
      createdAt: now,
      updatedAt: now,
    } as unknown as T;
    await this.raw.insertOne(full as OptionalUnlessRequiredId<T>);
    return full;
  }

  /**
   * Applies `update` to one document. With `expectedVersion`, the write only happens if nobody
   * changed the document since that version: otherwise a 409 `conflict` (or null when it is gone).
   */
  async update(
    tenantId: string,
    id: string,
    update: UpdateFilter<T>,
    options: { expectedVersion?: number } = {},
  ): Promise<T | null> {
    // FerretDB v1 evaluates findAndModify as read-then-write, so two writers holding the same
    // version could both match. Claiming the version step in a unique _id first makes the
    // compare-and-set atomic on any store: the loser of the claim gets the 409.
    const claimId = options.expectedVersion === undefined ? undefined : await this.claim(tenantId, id, options.expectedVersion);
    try {
      return await this.compareAndSet(tenantId, id, update, options);
    } finally {
      if (claimId) await this.claims?.deleteOne({ _id: claimId }).catch(() => undefined);
    }
  }

  private async claim(tenantId: string, id: string, expectedVersion: number): Promise<string | undefined> {
    if (!this.claims) return undefined;
    const claimId = `${this.raw.collectionName}:${tenantId}:${id}:${expectedVersion + 1}`;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await this.claims.insertOne({ _id: claimId, at: new Date() });
        return claimId;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        const stale = await this.claims.deleteOne({ _id: claimId, at: { $lt: new Date(Date.now() - STALE_CLAIM_MS) } });
        if (stale.deletedCount === 0) break;
      }
    }
    const current = await this.findById(tenantId, id);
    throw conflict(`This was changed by someone else (now version ${current?.version ?? "?"}, you had ${expectedVersion}); reload and try again.`, {
      currentVersion: current?.version ?? null,
    });
  }

  private async compareAndSet(tenantId: string, id: string, update: UpdateFilter<T>, options: { expectedVersion?: number }): Promise<T | null> {
    const withBookkeeping = {
      ...update,
      $set: { ...(update.$set ?? {}), updatedAt: new Date() },
      $inc: { ...(update.$inc ?? {}), version: 1 },
    } as unknown as UpdateFilter<T>;
    if (this.byIdOnly()) {
      // FerretDB applies findAndModify as read-then-write anyway; the version claim is what keeps
      // two versioned writers apart, so reading first and writing by `_id` loses no guarantee.
      const current = await this.findById(tenantId, id);
      if (!current) return null;
      if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) throw stale(current.version, options.expectedVersion);
      return (await this.raw.findOneAndUpdate({ _id: id } as Filter<T>, withBookkeeping, { returnDocument: "after" })) as T | null;
    }
    const filter = { _id: id, ...(options.expectedVersion === undefined ? {} : { version: options.expectedVersion }) };
    const updated = await this.raw.findOneAndUpdate(this.scope(tenantId, filter as TenantFilter<T>), withBookkeeping, {
      returnDocument: "after",
    });
    if (updated || options.expectedVersion === undefined) return updated as T | null;
    const current = await this.findById(tenantId, id);
    if (!current) return null;
    throw stale(current.version, options.expectedVersion);
  }

  /** Updates every matching document (bookkeeping included); returns how many matched. */
  async updateMany(tenantId: string, filter: TenantFilter<T>, update: UpdateFilter<T>): Promise<number> {
    const withBookkeeping = {
      ...update,
      $set: { ...(update.$set ?? {}), updatedAt: new Date() },
      $inc: { ...(update.$inc ?? {}), version: 1 },
    } as unknown as UpdateFilter<T>;
    const result = await this.raw.updateMany(this.scope(tenantId, filter), withBookkeeping);
    return result.matchedCount;
  }

  async deleteMany(tenantId: string, filter: TenantFilter<T>): Promise<number> {
    const result = await this.raw.deleteMany(this.scope(tenantId, filter));
    return result.deletedCount;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    if (this.byIdOnly()) {
      if (!(await this.findById(tenantId, id))) return false;
      return (await this.raw.deleteOne({ _id: id } as Filter<T>)).deletedCount === 1;
    }
    const result = await this.raw.deleteOne(this.scope(tenantId, { _id: id } as TenantFilter<T>));
    return result.deletedCount === 1;
  }
}

const stale = (current: number, expected: number) =>
  conflict(`This was changed by someone else (now version ${current}, you had ${expected}); reload and try again.`, { currentVersion: current });
