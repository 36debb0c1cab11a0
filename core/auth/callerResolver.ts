import type { OrganizationRepository, Organization } from "../store/repositories/organizations.js";
import type { User, UserRepository } from "../store/repositories/users.js";
import type { Principal } from "./principal.js";
import { DEFAULT_TENANT_ADMIN_ROLES, isTenantAdminBy } from "./tenantAdmin.js";

export interface Caller {
  principal: Principal;
  org: Organization;
  user: User;
  /** Shorthand for `org.tenantId`: pass it to every store call. */
  tenantId: string;
  /** Sets the tenant's integration allow-list (see tenantAdmin.ts). */
  tenantAdmin: boolean;
}

/** Refresh a user's profile at most this often, so reads don't turn into writes. */
const PROFILE_REFRESH_MS = 60 * 60_000;

/** Maps a verified principal to its organisation (`tid`) and user (`oid`), creating both on first sight. */
export class CallerResolver {
  constructor(
    private readonly orgs: OrganizationRepository,
    private readonly users: UserRepository,
    /** PACER_TENANT_ADMIN_ROLES: directory role template ids and app role values. */
    private readonly tenantAdminRoles: readonly string[] = DEFAULT_TENANT_ADMIN_ROLES,
  ) {}

  async resolve(principal: Principal, now = new Date()): Promise<Caller> {
    const tenantId = principal.tenantId;
    const [existingOrg, existingUser] = await Promise.all([this.orgs.get(tenantId), this.users.findByOid(tenantId, principal.oid)]);
    const org = existingOrg ?? (await this.orgs.getOrCreate(tenantId, { oid: principal.oid }));
    const fresh =
      existingUser &&
      (!principal.name || existingUser.name === principal.name) &&
      (!principal.email || existingUser.email === principal.email.toLowerCase()) &&
      now.getTime() - existingUser.lastSeenAt.getTime() < PROFILE_REFRESH_MS;
    const user = fresh
      ? existingUser
      : await this.users.upsertSeen(
          tenantId,
          {
            oid: principal.oid,
            name: principal.name,
            email: principal.email,
            orgRole: org.createdByOid === principal.oid ? "owner" : "member",
          },
          now,
        );
    const firstOwner = org.createdByOid === principal.oid && user.orgRole === "owner";
    return { principal, org, user, tenantId, tenantAdmin: isTenantAdminBy({ roles: principal.roles, firstOwner }, this.tenantAdminRoles) };
  }
}
