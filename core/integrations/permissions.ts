import type { Caller } from "../auth/callerResolver.js";
import type { Actor } from "../okr/actor.js";
import type { Connection, OrgIntegrations } from "./model.js";

/**
 * Who may do what with integrations:
 * - the tenant admin sets the allow-list. Pacer's tokens carry no Entra directory role yet, so the
 *   tenant admin is the organisation's first owner (the person who first signed in);
 * - org owners and admins enable, disable and manage integrations and every connection;
 * - members create connections only when the organisation allows it, and edit their own;
 * - a private connection is visible to its creator only (admins see it exists, to remove it).
 */
export const isTenantAdmin = (caller: Pick<Caller, "org" | "principal" | "user">) =>
  caller.org.createdByOid === caller.principal.oid && caller.user.orgRole === "owner";

export const isIntegrationAdmin = (actor: Pick<Actor, "orgRole">) => actor.orgRole === "owner" || actor.orgRole === "admin";

export const canCreateConnection = (actor: Actor, settings: Pick<OrgIntegrations, "membersCreateConnections">) =>
  isIntegrationAdmin(actor) || (actor.orgRole === "member" && settings.membersCreateConnections);

export const canUseConnection = (actor: Actor, connection: Pick<Connection, "visibility" | "createdBy">) =>
  actor.orgRole === "system" || connection.visibility === "shared" || (actor.userId !== null && connection.createdBy === actor.userId);

export const canSeeConnection = (actor: Actor, connection: Pick<Connection, "visibility" | "createdBy">) =>
  canUseConnection(actor, connection) || isIntegrationAdmin(actor);

export const canEditConnection = (actor: Actor, connection: Pick<Connection, "createdBy">) =>
  isIntegrationAdmin(actor) || (actor.userId !== null && connection.createdBy === actor.userId);
