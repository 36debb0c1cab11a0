import type { z } from "zod";
import { badRequest, conflict, forbidden, notFound } from "../../errors/appError.js";
import { paginate, type Page, type PageRequest } from "../../store/pagination.js";
import type { Actor } from "../actor.js";
import { teamParentCycle } from "../alignment.js";
import type { Team } from "../model.js";
import { canCreateTeam, canManageTeam, isOrgAdmin } from "../permissions.js";
import type * as s from "../schemas.js";
import { OkrContext, versionToUse } from "./context.js";

type TeamCreate = z.output<typeof s.teamCreate>;
type TeamUpdate = z.output<typeof s.teamUpdate>;

/** Teams: org admins create and delete them; team owners (and admins) edit them. */
export class TeamService extends OkrContext {
  list(actor: Actor, page: PageRequest): Promise<Page<Team>> {
    return paginate(this.okr.teams, actor.tenantId, {}, page);
  }

  async get(actor: Actor, id: string): Promise<Team> {
    const team = await this.okr.teams.findById(actor.tenantId, id);
    if (!team) throw notFound("Team");
    return team;
  }

  async create(actor: Actor, input: TeamCreate): Promise<Team> {
    if (!canCreateTeam(actor)) throw forbidden("Only org owners and admins create teams.");
    await this.assertPeople(actor.tenantId, input.ownerIds, input.memberIds);
    if (input.parentTeamId && !(await this.okr.teams.findById(actor.tenantId, input.parentTeamId))) {
      throw badRequest("The parent team does not exist.", [{ path: "parentTeamId", message: "no such team in this organisation" }]);
    }
    return this.okr.teams.insert(actor.tenantId, {
      name: input.name,
      description: input.description,
      ownerIds: unique(input.ownerIds),
      memberIds: unique(input.memberIds),
      parentTeamId: input.parentTeamId,
    });
  }

  async update(actor: Actor, id: string, input: TeamUpdate): Promise<Team> {
    const { tenantId } = actor;
    const team = await this.get(actor, id);
    const teams = await this.teamLookup(tenantId);
    if (!canManageTeam(actor, team, teams)) throw forbidden("Only the team's owners or an org admin can edit it.");
    const set: Partial<Team> = {};
    if (input.name !== undefined) set.name = input.name;
    if (input.description !== undefined) set.description = input.description;
    await this.assertPeople(tenantId, input.ownerIds ?? [], input.memberIds ?? []);
    if (input.ownerIds) set.ownerIds = unique(input.ownerIds);
    if (input.memberIds) set.memberIds = unique(input.memberIds);
    if (input.parentTeamId !== undefined) {
      // Moving a team changes who manages it from above: that is an org admin's call.
      if (!isOrgAdmin(actor)) throw forbidden("Only an org admin moves a team under another.");
      if (input.parentTeamId !== null) {
        if (!teams(input.parentTeamId)) throw badRequest("The parent team does not exist.", [{ path: "parentTeamId", message: "no such team in this organisation" }]);
        const cycle = teamParentCycle(id, input.parentTeamId, (teamId) => teams(teamId)?.parentTeamId ?? null);
        if (cycle) throw badRequest("A team cannot be placed under itself or one of its own teams.", [{ path: "parentTeamId", message: `would loop: ${cycle.join(" → ")}` }]);
      }
      set.parentTeamId = input.parentTeamId;
    }
    const updated = await this.okr.teams.update(tenantId, id, { $set: set }, { expectedVersion: versionToUse(input.version, team) });
    if (!updated) throw notFound("Team");
    return updated;
  }

  async delete(actor: Actor, id: string, version?: number): Promise<void> {
    const team = await this.get(actor, id);
    if (!isOrgAdmin(actor)) throw forbidden("Only org owners and admins delete teams.");
    if (version !== undefined && version !== team.version) throw conflict("The team changed meanwhile; reload and try again.", { currentVersion: team.version });
    const owned = await this.okr.objectives.count(actor.tenantId, { ownerType: "team", ownerId: id });
    const children = await this.okr.teams.count(actor.tenantId, { parentTeamId: id });
    if (owned > 0 || children > 0) throw conflict("The team still owns objectives or has teams under it; move them first.", { objectives: owned, teams: children });
    await this.okr.teams.delete(actor.tenantId, id);
  }

  private async assertPeople(tenantId: string, ownerIds: readonly string[], memberIds: readonly string[]): Promise<void> {
    await this.assertUsers(tenantId, ownerIds, "ownerIds");
    await this.assertUsers(tenantId, memberIds, "memberIds");
  }
}

const unique = (ids: readonly string[]) => [...new Set(ids)];
