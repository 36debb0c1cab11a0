import { conflict, forbidden, notFound } from "../../errors/appError.js";
import { paginate, type Page, type PageRequest } from "../../store/pagination.js";
import type { Organization } from "../../store/repositories/organizations.js";
import type { OrgRole, User } from "../../store/repositories/users.js";
import type { Actor } from "../actor.js";
import { canRenameOrganization, roleChangeRefusal } from "../permissions.js";
import { OkrContext } from "./context.js";

/** The organisation's name (its owners) and people's org roles (owners and admins). */
export class OrganizationService extends OkrContext {
  async get(actor: Actor): Promise<Organization> {
    const org = await this.orgs.get(actor.tenantId);
    if (!org) throw notFound("Organisation");
    return org;
  }

  async rename(actor: Actor, input: { name: string; version?: number | undefined }): Promise<Organization> {
    if (!canRenameOrganization(actor)) throw forbidden("Only the organisation's owners rename it.");
    const org = await this.get(actor);
    return this.orgs.rename(actor.tenantId, input.name, input.version ?? org.version);
  }

  listUsers(actor: Actor, page: PageRequest): Promise<Page<User>> {
    return paginate(this.users.users, actor.tenantId, {}, page);
  }

  async setRole(actor: Actor, userId: string, input: { orgRole: OrgRole; version?: number | undefined }): Promise<User> {
    const target = await this.users.findById(actor.tenantId, userId);
    if (!target) throw notFound("User");
    const owners = await this.users.users.count(actor.tenantId, { orgRole: "owner" });
    const refusal = roleChangeRefusal(actor, { id: target._id, orgRole: target.orgRole }, input.orgRole, owners);
    if (refusal) throw target.orgRole === "owner" && owners <= 1 && actor.orgRole === "owner" ? conflict(refusal) : forbidden(refusal);
    const updated = await this.users.users.update(actor.tenantId, userId, { $set: { orgRole: input.orgRole } }, { expectedVersion: input.version ?? target.version });
    if (!updated) throw notFound("User");
    return updated;
  }
}
