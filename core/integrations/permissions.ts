import type { Caller } from "../auth/callerResolver.js";
import type { Actor } from "../okr/actor.js";
import type { Connection, OrgIntegrations } from "./model.js";

/**
 * Who may do what with integrations:
 * - the tenant admin sets the allow-list: whoever holds a directory or app role listed in
 *   PACER_TENANT_ADMIN_ROLES, or the organisation's first owner when the tokens carry no role
 *   claims (core/auth/tenantAdmin.ts; decided once per request by the CallerResolver);
 * - org owners and admins enable, disable and manage integrations and every connection;
 * - members create connections only when the organisation allows it, and edit their own;
 * - a private connection is visible to its creator only (admins see it exists, to remove it).
 */
export const isTenantAdmin = (caller: Pick<Caller, "tenantAdmin">) => caller.tenantAdmin;

export const isIntegrationAdmin = (actor: Pick<Actor, "orgRole">) => actor.orgRole === "owner" || actor.orgRole === "admin";

export const canCreateConnection = (actor: Actor, settings: Pick<OrgIntegrations, "membersCreateConnections">) =>
  isIntegrationAdmin(actor) || (actor.orgRole === "member" && settings.membersCreateConnections);

export const canUseConnection = (actor: Actor, connection: Pick<Connection, "visibility" | "createdBy">) =>
  actor.orgRole === "system" || connection.visibility === "shared" || (actor.userId !== null && connection.createdBy === actor.userId);

export const canSeeConnection = (actor: Actor, connection: Pick<Connection, "visibility" | "createdBy">) =>
  canUseConnection(actor, connection) || isIntegrationAdmin(actor);

export const canEditConnection = (actor: Actor, connection: Pick<Connection, "createdBy">) =>
  isIntegrationAdmin(actor) || (actor.userId !== null && connection.createdBy === actor.userId);
