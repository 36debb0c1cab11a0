import type { OrgRole } from "../store/repositories/users.js";
import type { Actor } from "./actor.js";
import type { KeyResult, Objective, Project, Team } from "./model.js";

/**
 * Who may do what, in one place. Roles: org owner and org admin manage everything in the org;
 * a team owner manages the team and the OKRs the team (or a team below it) owns; a member
 * manages OKRs they own. Everyone in the org may read and comment.
 */
export type TeamLookup = (teamId: string) => Pick<Team, "_id" | "ownerIds" | "parentTeamId"> | undefined;

export const isOrgAdmin = (actor: Pick<Actor, "orgRole">) =>
  actor.orgRole === "owner" || actor.orgRole === "admin" || actor.orgRole === "system";

/** Owner of the team or of any team above it. */
export function ownsTeam(actor: Pick<Actor, "userId">, teamId: string, teams: TeamLookup): boolean {
  if (!actor.userId) return false;
  const seen = new Set<string>();
  for (let team = teams(teamId); team && !seen.has(team._id); team = team.parentTeamId ? teams(team.parentTeamId) : undefined) {
    seen.add(team._id);
    if (team.ownerIds.includes(actor.userId)) return true;
  }
  return false;
}

/** May create, edit, close, delete an OKR with this owner. */
export function canManageOkr(actor: Actor, owner: Pick<Objective, "ownerType" | "ownerId">, teams: TeamLookup): boolean {
  if (isOrgAdmin(actor)) return true;
  if (owner.ownerType === "user") return actor.userId !== null && owner.ownerId === actor.userId;
  return ownsTeam(actor, owner.ownerId, teams);
}

/** A KR's own owner may edit it and check in, besides whoever manages its objective. */
export function canEditKeyResult(actor: Actor, objective: Objective, kr: Pick<KeyResult, "ownerUserId">, teams: TeamLookup): boolean {
  return canManageOkr(actor, objective, teams) || (actor.userId !== null && kr.ownerUserId === actor.userId);
}

export function canEditProject(actor: Actor, objective: Objective, project: Pick<Project, "ownerUserId">, teams: TeamLookup): boolean {
  return canManageOkr(actor, objective, teams) || (actor.userId !== null && project.ownerUserId === actor.userId);
}

export const canCreateTeam = (actor: Actor) => isOrgAdmin(actor);

export const canManageTeam = (actor: Actor, team: Pick<Team, "_id">, teams: TeamLookup) =>
  isOrgAdmin(actor) || ownsTeam(actor, team._id, teams);

export const canRenameOrganization = (actor: Actor) => actor.orgRole === "owner";

export const canManagePeriods = (actor: Actor) => isOrgAdmin(actor);

/**
 * Role changes: owners and admins change roles; only an owner grants or removes ownership; the
 * last owner cannot step down. Returns why not, or null when allowed.
 */
export function roleChangeRefusal(actor: Actor, target: { id: string; orgRole: OrgRole }, newRole: OrgRole, ownerCount: number): string | null {
  if (!isOrgAdmin(actor) || actor.orgRole === "system") return "Only organisation owners and admins change roles.";
  if ((newRole === "owner" || target.orgRole === "owner") && actor.orgRole !== "owner") return "Only an owner grants or removes ownership.";
  if (target.orgRole === "owner" && newRole !== "owner" && ownerCount <= 1) return "The organisation needs at least one owner.";
  return null;
}
