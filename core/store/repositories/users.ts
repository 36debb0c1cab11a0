import { randomUUID } from "node:crypto";
import { MongoServerError } from "mongodb";
import type { Store } from "../store.js";
import type { TenantCollection, TenantDocument } from "../tenantCollection.js";

export type OrgRole = "owner" | "admin" | "member";

/** A person of an organisation, keyed by their Entra object id (`oid`). */
export interface User extends TenantDocument {
  oid: string;
  name: string;
  email: string | null;
  orgRole: OrgRole;
  lastSeenAt: Date;
  /** Optional profile attributes (Power BI feed attributes Department, Manager, Location); org admins set them. */
  department?: string | null;
  managerName?: string | null;
  location?: string | null;
}

export interface SeenUser {
  oid: string;
  name?: string | undefined;
  email?: string | undefined;
  orgRole: OrgRole;
}

export class UserRepository {
  readonly users: TenantCollection<User>;

  constructor(store: Store) {
    this.users = store.tenantCollection<User>("users");
  }

  findById(tenantId: string, id: string): Promise<User | null> {
    return this.users.findById(tenantId, id);
  }

  findByOid(tenantId: string, oid: string): Promise<User | null> {
    return this.users.findOne(tenantId, { oid });
  }

  /**
   * Creates the user on first sight, else refreshes name and email from the token. The role is set
   * only on creation: later changes belong to org admins, never to a token.
   */
  async upsertSeen(tenantId: string, seen: SeenUser, now = new Date()): Promise<User> {
    const profile = {
      ...(seen.name ? { name: seen.name } : {}),
      ...(seen.email ? { email: seen.email.toLowerCase() } : {}),
      lastSeenAt: now,
    };
    const onInsert = {
      _id: randomUUID(),
      ...(seen.name ? {} : { name: "Unknown user" }),
      ...(seen.email ? {} : { email: null }),
      orgRole: seen.orgRole,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      const user = await this.users.raw.findOneAndUpdate(
        { tenantId, oid: seen.oid },
        { $set: profile, $setOnInsert: onInsert },
        { upsert: true, returnDocument: "after" },
      );
      if (user) return user as User;
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
    }
    const user = await this.findByOid(tenantId, seen.oid);
    if (!user) throw new Error(`user ${seen.oid} vanished after creation`);
    return user;
  }
}
