import { badRequest, forbidden, notFound } from "../../errors/appError.js";
import type { EventBus } from "../../events.js";
import type { OrganizationRepository } from "../../store/repositories/organizations.js";
import type { UserRepository } from "../../store/repositories/users.js";
import type { Actor } from "../actor.js";
import { alignmentGraph, findAlignmentCycle } from "../alignment.js";
import { alignmentCycle } from "../errors.js";
import { evaluateObjective, type ObjectiveEvaluation } from "../evaluation.js";
import type { Activity, AlignmentRef, KeyResult, Objective, Period } from "../model.js";
import type { TeamLookup } from "../permissions.js";
import { type OkrStore, insertIfAbsent } from "../repositories/okrStore.js";

/** What every OKR service shares: the collections, people, the event bus and the clock. */
export interface OkrDeps {
  okr: OkrStore;
  users: UserRepository;
  orgs: OrganizationRepository;
  events: EventBus;
  now?: () => Date;
}

export type ActivityInput = Pick<Activity, "kind" | "subjectType" | "subjectId" | "objectiveId"> &
  Partial<Pick<Activity, "text" | "parentId" | "data">> & { _id?: string };

/** Shared lookups and checks; services extend it so each rule is written once. */
export class OkrContext {
  readonly okr: OkrStore;
  readonly users: UserRepository;
  readonly orgs: OrganizationRepository;
  readonly events: EventBus;
  readonly now: () => Date;

  constructor(deps: OkrDeps) {
    this.okr = deps.okr;
    this.users = deps.users;
    this.orgs = deps.orgs;
    this.events = deps.events;
    this.now = deps.now ?? (() => new Date());
  }

  async teamLookup(tenantId: string): Promise<TeamLookup> {
    const teams = await this.okr.teams.find(tenantId, {}, { projection: { ownerIds: 1, parentTeamId: 1 } });
    const byId = new Map(teams.map((team) => [team._id, team]));
    return (id) => byId.get(id);
  }

  async requireObjective(tenantId: string, id: string): Promise<Objective> {
    const objective = await this.okr.objectives.findById(tenantId, id);
    if (!objective) throw notFound("Objective");
    return objective;
  }

  /** A KR whose objective is gone is gone too (deletes remove the objective first). */
  async requireKeyResult(tenantId: string, id: string): Promise<{ keyResult: KeyResult; objective: Objective }> {
    const keyResult = await this.okr.keyResults.findById(tenantId, id);
    const objective = keyResult ? await this.okr.objectives.findById(tenantId, keyResult.objectiveId) : null;
    if (!keyResult || !objective) throw notFound("Key result");
    return { keyResult, objective };
  }

  async requirePeriod(tenantId: string, id: string, path = "periodId"): Promise<Period> {
    const period = await this.okr.periods.findById(tenantId, id);
    if (!period) throw badRequest("The period does not exist.", [{ path, message: "no such period in this organisation" }]);
    return period;
  }

  async periodOf(tenantId: string, objective: Objective): Promise<Period> {
    const period = await this.okr.periods.findById(tenantId, objective.periodId);
    if (!period) throw new Error(`objective ${objective._id} points to missing period ${objective.periodId}`);
    return period;
  }

  /** Every id must be a user of this organisation (400 naming the field otherwise). */
  async assertUsers(tenantId: string, ids: readonly (string | null | undefined)[], path: string): Promise<void> {
    for (const [index, id] of ids.entries()) {
      if (!id) continue;
      if (!(await this.users.findById(tenantId, id))) {
        throw badRequest("A user does not exist.", [{ path: ids.length > 1 || path.endsWith("Ids") ? `${path}.${index}` : path, message: "no such user in this organisation" }]);
      }
    }
  }

  async assertOwnerExists(tenantId: string, owner: { type: "user" | "team"; id: string }): Promise<void> {
    const exists = owner.type === "user" ? await this.users.findById(tenantId, owner.id) : await this.okr.teams.findById(tenantId, owner.id);
    if (!exists) throw badRequest("The owner does not exist.", [{ path: "owner.id", message: `no such ${owner.type} in this organisation` }]);
  }

  /**
   * Alignment parents must exist in this organisation, have the stated type, and not make
   * `nodeId` its own ancestor.
   */
  async assertAlignment(tenantId: string, nodeId: string, parents: readonly AlignmentRef[]): Promise<void> {
    if (parents.length === 0) return;
    for (const [index, parent] of parents.entries()) {
      const exists =
        parent.type === "objective"
          ? await this.okr.objectives.findById(tenantId, parent.id)
          : await this.requireKeyResult(tenantId, parent.id).catch(() => null);
      if (!exists) throw badRequest("An alignment parent does not exist.", [{ path: `parents.${index}.id`, message: `no such ${parent.type} in this organisation` }]);
    }
    const [objectives, keyResults] = await Promise.all([
      this.okr.objectives.find(tenantId, {}, { projection: { parentIds: 1 } }),
      this.okr.keyResults.find(tenantId, {}, { projection: { parentIds: 1, objectiveId: 1 } }),
    ]);
    const cycle = findAlignmentCycle(nodeId, parents.map((p) => p.id), alignmentGraph(objectives, keyResults));
    if (cycle) throw alignmentCycle(cycle);
  }

  assertAllowed(allowed: boolean, message: string): void {
    if (!allowed) throw forbidden(message);
  }

  /** Feed entries are append-only; a fixed `_id` makes re-recording after a retry a no-op. */
  async record(actor: Actor, entry: ActivityInput, at = this.now()): Promise<void> {
    const doc = {
      ...(entry._id ? { _id: entry._id } : {}),
      kind: entry.kind,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      objectiveId: entry.objectiveId,
      authorId: actor.userId,
      origin: actor.origin,
      at,
      text: entry.text ?? "",
      parentId: entry.parentId ?? null,
      data: entry.data ?? {},
    };
    await insertIfAbsent(() => this.okr.activity.insert(actor.tenantId, doc, at));
  }

  /**
   * Progress, status and scores of objectives, by the rules in evaluation.ts. Children aligned to
   * an objective that rolls them up are evaluated recursively (a loop, which alignment refuses
   * anyway, is cut rather than followed).
   */
  async evaluate(tenantId: string, objectives: readonly Objective[], at = this.now()): Promise<Map<string, ObjectiveEvaluation>> {
    const periods = new Map<string, Promise<Period | null>>();
    const period = (id: string) => {
      let found = periods.get(id);
      if (!found) periods.set(id, (found = this.okr.periods.findById(tenantId, id)));
      return found;
    };
    const results = new Map<string, ObjectiveEvaluation>();
    const evaluateOne = async (objective: Objective, path: ReadonlySet<string>): Promise<ObjectiveEvaluation> => {
      const known = results.get(objective._id);
      if (known) return known;
      const [keyResults, range] = await Promise.all([
        this.okr.keyResults.find(tenantId, { objectiveId: objective._id }),
        period(objective.periodId),
      ]);
      let childProgress: number[] = [];
      if (objective.rollUpChildren) {
        const children = await this.okr.objectives.find(tenantId, { parentIds: objective._id });
        const inner = new Set([...path, objective._id]);
        childProgress = await Promise.all(
          children.filter((child) => !inner.has(child._id)).map(async (child) => (await evaluateOne(child, inner)).progress),
        );
      }
      const result = evaluateObjective(objective, keyResults, range ?? { startDate: "1970-01-01", endDate: "1970-01-01" }, at, childProgress);
      results.set(objective._id, result);
      return result;
    };
    await Promise.all(objectives.map((objective) => evaluateOne(objective, new Set())));
    return results;
  }

  async evaluateOne(tenantId: string, objective: Objective): Promise<ObjectiveEvaluation> {
    const result = (await this.evaluate(tenantId, [objective])).get(objective._id);
    if (!result) throw new Error("evaluation missing");
    return result;
  }
}

/** The version to write against: the caller's (stale → 409) or, without one, the one just read. */
export function versionToUse(requested: number | undefined, current: { version: number }): number {
  return requested ?? current.version;
}

/** Names of the fields an update actually changes (for the activity feed). */
export function changedFields(current: Record<string, unknown>, update: Record<string, unknown>): string[] {
  return Object.entries(update)
    .filter(([key, value]) => value !== undefined && key !== "version" && JSON.stringify(current[key]) !== JSON.stringify(value))
    .map(([key]) => key);
}
