import { randomUUID } from "node:crypto";
import { MongoServerError } from "mongodb";
import type { Store } from "../store.js";
import type { TenantCollection, TenantDocument } from "../tenantCollection.js";

/** One organisation per Microsoft Entra tenant, created the first time someone of that tenant signs in. */
export interface Organization extends TenantDocument {
  name: string;
  /** Entra object id of the first person who signed in: the first org owner. */
  createdByOid: string;
  /** Power BI feed: aggregated groups with fewer people are left out (default 5, org admins change it). */
  minimumGroupSize?: number;
}

export class OrganizationRepository {
  private readonly orgs: TenantCollection<Organization>;

  constructor(store: Store) {
    this.orgs = store.tenantCollection<Organization>("organizations");
  }

  get(tenantId: string): Promise<Organization | null> {
    return this.orgs.findOne(tenantId, {});
  }

  /** Renames the organisation; a stale `expectedVersion` is a 409. */
  async rename(tenantId: string, name: string, expectedVersion: number): Promise<Organization> {
    const current = await this.get(tenantId);
    if (!current) throw new Error(`organization for tenant ${tenantId} is missing`);
    const updated = await this.orgs.update(tenantId, current._id, { $set: { name } }, { expectedVersion });
    if (!updated) throw new Error(`organization for tenant ${tenantId} vanished during rename`);
    return updated;
  }

  /** Sets the Power BI feed's minimum group size; a stale `expectedVersion` is a 409. */
  async setMinimumGroupSize(tenantId: string, minimumGroupSize: number, expectedVersion: number): Promise<Organization> {
    const current = await this.get(tenantId);
    if (!current) throw new Error(`organization for tenant ${tenantId} is missing`);
    const updated = await this.orgs.update(tenantId, current._id, { $set: { minimumGroupSize } }, { expectedVersion });
    if (!updated) throw new Error(`organization for tenant ${tenantId} vanished during update`);
    return updated;
  }

  /** Returns the tenant's organisation, creating it atomically on first sight (safe under concurrent sign-ins). */
  async getOrCreate(tenantId: string, firstUser: { oid: string; tenantName?: string | undefined }): Promise<Organization> {
    const now = new Date();
    const insert: Omit<Organization, "tenantId"> = {
      _id: randomUUID(),
      name: firstUser.tenantName ?? "My organization",
      createdByOid: firstUser.oid,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      const org = await this.orgs.raw.findOneAndUpdate(
        { tenantId },
        { $setOnInsert: insert },
        { upsert: true, returnDocument: "after" },
      );
      if (org) return org as Organization;
    } catch (error) {
      // Two first sign-ins raced: the unique index let one insert win; read the winner.
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
    }
    const org = await this.get(tenantId);
    if (!org) throw new Error(`organization for tenant ${tenantId} vanished after creation`);
    return org;
  }
}
