import type { OrgRole, User } from "../store/repositories/users.js";
import type { Origin } from "./model.js";

/**
 * Who performs an OKR operation, and from which surface. Every service call takes one. A person
 * acts with their org role; the sync engine acts as `system` (it only writes what org admins set
 * up), scoped to one tenant like everyone else.
 */
export interface Actor {
  tenantId: string;
  userId: string | null;
  orgRole: OrgRole | "system";
  origin: Origin;
}

export const userActor = (tenantId: string, user: Pick<User, "_id" | "orgRole">, origin: Origin): Actor => ({
  tenantId,
  userId: user._id,
  orgRole: user.orgRole,
  origin,
});

export const systemActor = (tenantId: string, origin: Origin = "sync"): Actor => ({ tenantId, userId: null, orgRole: "system", origin });
