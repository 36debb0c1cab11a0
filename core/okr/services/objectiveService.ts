import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { conflict, forbidden } from "../../errors/appError.js";
import { paginate, type Page, type PageRequest } from "../../store/pagination.js";
import type { TenantFilter } from "../../store/tenantCollection.js";
import type { Actor } from "../actor.js";
import { carryOverDrafts } from "../carryOver.js";
import { objectiveClosed } from "../errors.js";
import type { KeyResult, Objective } from "../model.js";
import { canEditKeyResult, canManageOkr } from "../permissions.js";
import { initialValue } from "../progress.js";
import type * as s from "../schemas.js";
import { keyResultScore, objectiveScore } from "../scoring.js";
import { changedFields, OkrContext, versionToUse } from "./context.js";

type ObjectiveCreate = z.output<typeof s.objectiveCreate>;
type ObjectiveUpdate = z.output<typeof s.objectiveUpdate>;
type KeyResultCreate = z.output<typeof s.keyResultCreate>;
type KeyResultInline = z.output<typeof s.keyResultInline>;
type KeyResultUpdate = z.output<typeof s.keyResultUpdate>;
type ObjectiveListQuery = z.output<typeof s.objectiveListQuery>;
type KeyResultListQuery = z.output<typeof s.keyResultListQuery>;

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const refsToIds = (parents: readonly { id: string }[]) => parents.map((p) => p.id);

/**
 * Objectives and their key results: create, edit, align, delete, close and score, carry over.
 *
 * Writes that span documents are ordered so a failure leaves nothing visible half-done: new KRs
 * are written before the objective that makes them reachable, and deletes remove the objective
 * (the entry point) first and its dependants after. A KR without its objective is never shown.
 */
export class ObjectiveService extends OkrContext {
  async list(actor: Actor, query: ObjectiveListQuery): Promise<Page<Objective>> {
    const filter: Record<string, unknown> = {};
    if (query.periodId) filter.periodId = query.periodId;
    if (query.owner) Object.assign(filter, { ownerType: "user", ownerId: query.owner });
    if (query.teamId) Object.assign(filter, { ownerType: "team", ownerId: query.teamId });
    if (query.owner && query.teamId) return { items: [], nextCursor: null };
    if (query.parentId) filter.parentIds = query.parentId;
    if (query.state) filter.state = query.state;
    if (query.q) filter.title = { $regex: escapeRegex(query.q), $options: "i" };
    return paginate(this.okr.objectives, actor.tenantId, filter as TenantFilter<Objective>, query);
  }

  get(actor: Actor, id: string): Promise<Objective> {
    return this.requireObjective(actor.tenantId, id);
  }

  async create(actor: Actor, input: ObjectiveCreate): Promise<Objective> {
    const { tenantId } = actor;
    if (!input.owner && !actor.userId) throw forbidden("An owner is required.");
    const owner = input.owner ?? { type: "user" as const, id: actor.userId! };
    await this.requirePeriod(tenantId, input.periodId);
    await this.assertOwnerExists(tenantId, owner);
    const teams = await this.teamLookup(tenantId);
    this.assertAllowed(
      canManageOkr(actor, { ownerType: owner.type, ownerId: owner.id }, teams),
      "You can create objectives owned by you or by a team you own.",
    );
    const objectiveId = randomUUID();
    await this.assertAlignment(tenantId, objectiveId, input.parents);
    for (const [index, kr] of input.keyResults.entries()) {
      await this.assertUsers(tenantId, [kr.ownerUserId], `keyResults.${index}.ownerUserId`);
      await this.assertAlignment(tenantId, randomUUID(), kr.parents).catch((error: { details?: unknown }) => {
        throw Object.assign(error, { details: prefixDetails(error.details, `keyResults.${index}`) });
      });
    }
    // KRs first, then the objective: until the objective exists, its KRs are unreachable.
    for (const [index, kr] of input.keyResults.entries()) {
      await this.okr.keyResults.insert(tenantId, this.keyResultDoc(actor, objectiveId, kr, index));
    }
    const objective = await this.okr.objectives.insert(tenantId, {
      _id: objectiveId,
      title: input.title,
      description: input.description,
      ownerType: owner.type,
      ownerId: owner.id,
      periodId: input.periodId,
      parents: input.parents,
      parentIds: refsToIds(input.parents),
      rollUpChildren: input.rollUpChildren,
      state: "active",
      closed: null,
      carriedFromId: null,
      createdBy: actor.userId,
    });
    await this.record(actor, { kind: "created", subjectType: "objective", subjectId: objectiveId, objectiveId, text: objective.title });
    return objective;
  }

  async update(actor: Actor, id: string, input: ObjectiveUpdate): Promise<Objective> {
    const { tenantId } = actor;
    const current = await this.requireObjective(tenantId, id);
    const teams = await this.teamLookup(tenantId);
    this.assertAllowed(canManageOkr(actor, current, teams), "Only the objective's owner, its team's owners or an org admin can edit it.");
    if (current.state === "closed") throw objectiveClosed();
    const set: Partial<Objective> = {};
    if (input.title !== undefined) set.title = input.title;
    if (input.description !== undefined) set.description = input.description;
    if (input.rollUpChildren !== undefined) set.rollUpChildren = input.rollUpChildren;
    if (input.periodId !== undefined) {
      await this.requirePeriod(tenantId, input.periodId);
      set.periodId = input.periodId;
    }
    if (input.owner) {
      await this.assertOwnerExists(tenantId, input.owner);
      this.assertAllowed(
        canManageOkr(actor, { ownerType: input.owner.type, ownerId: input.owner.id }, teams),
        "You can hand an objective only to yourself or a team you own.",
      );
      set.ownerType = input.owner.type;
      set.ownerId = input.owner.id;
    }
    if (input.parents) {
      await this.assertAlignment(tenantId, id, input.parents);
      set.parents = input.parents;
      set.parentIds = refsToIds(input.parents);
    }
    const fields = changedFields(current, set);
    const updated = await this.okr.objectives.update(tenantId, id, { $set: set }, { expectedVersion: versionToUse(input.version, current) });
    if (!updated) throw conflict("The objective was deleted meanwhile.");
    await this.recordEdit(actor, "objective", id, id, current.parentIds, updated.parentIds, fields);
    return updated;
  }

  async delete(actor: Actor, id: string, expectedVersion?: number): Promise<void> {
    const { tenantId } = actor;
    const current = await this.requireObjective(tenantId, id);
    this.assertAllowed(canManageOkr(actor, current, await this.teamLookup(tenantId)), "Only the objective's owner, its team's owners or an org admin can delete it.");
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw conflict(`This was changed by someone else (now version ${current.version}, you had ${expectedVersion}); reload and try again.`, { currentVersion: current.version });
    }
    // The objective first: once it is gone, nothing below it is reachable, so a failure in the
    // clean-up below leaves only invisible leftovers (and alignment links that are skipped).
    await this.okr.objectives.delete(tenantId, id);
    const keyResults = await this.okr.keyResults.find(tenantId, { objectiveId: id }, { projection: { _id: 1 } });
    await this.okr.keyResults.deleteMany(tenantId, { objectiveId: id });
    await this.okr.projects.deleteMany(tenantId, { objectiveId: id });
    await this.okr.checkIns.deleteMany(tenantId, { objectiveId: id });
    await this.okr.activity.deleteMany(tenantId, { objectiveId: id });
    for (const removed of [id, ...keyResults.map((kr) => kr._id)]) await this.unlinkChildren(tenantId, removed);
  }

  /** Closes with a final score (given, or the weighted mean of the KRs' progress); KR scores are frozen. */
  async close(actor: Actor, id: string, input: { score?: number | undefined; note: string; version?: number | undefined }): Promise<Objective> {
    const { tenantId } = actor;
    const current = await this.requireObjective(tenantId, id);
    this.assertAllowed(canManageOkr(actor, current, await this.teamLookup(tenantId)), "Only the objective's owner, its team's owners or an org admin can close it.");
    if (current.state === "closed") throw conflict("The objective is already closed.");
    const evaluation = await this.evaluateOne(tenantId, current);
    const keyResultScores = evaluation.keyResults.map(({ keyResult, evaluation: e }) => ({ keyResultId: keyResult._id, score: keyResultScore(e.progress) }));
    const suggested = objectiveScore(
      evaluation.keyResults.map(({ keyResult, evaluation: e }) => ({ score: keyResultScore(e.progress), weight: keyResult.weight })),
    );
    const score = input.score ?? suggested;
    const closed = await this.okr.objectives.update(
      tenantId,
      id,
      { $set: { state: "closed", closed: { score, note: input.note, closedAt: this.now(), closedBy: actor.userId, keyResultScores } } },
      { expectedVersion: versionToUse(input.version, current) },
    );
    if (!closed) throw conflict("The objective was deleted meanwhile.");
    await this.record(actor, { kind: "closed", subjectType: "objective", subjectId: id, objectiveId: id, text: input.note, data: { score } });
    void this.events.publish("objective.closed", { tenantId, objective: closed });
    return closed;
  }

  async reopen(actor: Actor, id: string, version?: number): Promise<Objective> {
    const { tenantId } = actor;
    const current = await this.requireObjective(tenantId, id);
    this.assertAllowed(canManageOkr(actor, current, await this.teamLookup(tenantId)), "Only the objective's owner, its team's owners or an org admin can reopen it.");
    if (current.state !== "closed") throw conflict("The objective is not closed.");
    const reopened = await this.okr.objectives.update(tenantId, id, { $set: { state: "active", closed: null } }, { expectedVersion: versionToUse(version, current) });
    if (!reopened) throw conflict("The objective was deleted meanwhile.");
    await this.record(actor, { kind: "reopened", subjectType: "objective", subjectId: id, objectiveId: id });
    return reopened;
  }

  /** Copies the objective and its KRs (all, or the ones named) into another period; check-ins stay behind. */
  async carryOver(actor: Actor, id: string, input: { periodId: string; keyResultIds?: string[] | undefined }): Promise<Objective> {
    const { tenantId } = actor;
    const source = await this.requireObjective(tenantId, id);
    this.assertAllowed(canManageOkr(actor, source, await this.teamLookup(tenantId)), "Only the objective's owner, its team's owners or an org admin can carry it over.");
    await this.requirePeriod(tenantId, input.periodId);
    if (input.periodId === source.periodId) throw conflict("Carry over goes to another period.");
    const existing = await this.okr.objectives.findOne(tenantId, { carriedFromId: id, periodId: input.periodId });
    if (existing) throw conflict("This objective was already carried over to that period.", { objectiveId: existing._id });
    let keyResults = await this.okr.keyResults.find(tenantId, { objectiveId: id });
    if (input.keyResultIds) {
      const wanted = new Set(input.keyResultIds);
      keyResults = keyResults.filter((kr) => wanted.has(kr._id));
      if (keyResults.length !== wanted.size) throw conflict("Some key results do not belong to this objective.");
    }
    const drafts = carryOverDrafts(source, keyResults, {
      periodId: input.periodId,
      objectiveId: randomUUID(),
      keyResultIds: keyResults.map(() => randomUUID()),
      createdBy: actor.userId,
    });
    for (const kr of drafts.keyResults) await this.okr.keyResults.insert(tenantId, kr);
    const copy = await this.okr.objectives.insert(tenantId, drafts.objective);
    await this.record(actor, { kind: "carried_over", subjectType: "objective", subjectId: id, objectiveId: id, text: `Carried over`, data: { toObjectiveId: copy._id, toPeriodId: input.periodId } });
    await this.record(actor, { kind: "created", subjectType: "objective", subjectId: copy._id, objectiveId: copy._id, text: copy.title, data: { carriedFromId: id } });
    return copy;
  }

  // ---- key results -----------------------------------------------------------------------

  async listKeyResults(actor: Actor, query: KeyResultListQuery): Promise<Page<KeyResult>> {
    const filter: Record<string, unknown> = {};
    if (query.objectiveId) filter.objectiveId = query.objectiveId;
    if (query.owner) filter.ownerUserId = query.owner;
    if (query.q) filter.title = { $regex: escapeRegex(query.q), $options: "i" };
    const page = await paginate(this.okr.keyResults, actor.tenantId, filter as TenantFilter<KeyResult>, query as PageRequest);
    const live = await Promise.all(page.items.map(async (kr) => ((await this.okr.objectives.findById(actor.tenantId, kr.objectiveId)) ? kr : null)));
    return { items: live.filter((kr): kr is KeyResult => kr !== null), nextCursor: page.nextCursor };
  }

  async getKeyResult(actor: Actor, id: string): Promise<{ keyResult: KeyResult; objective: Objective }> {
    return this.requireKeyResult(actor.tenantId, id);
  }

  async createKeyResult(actor: Actor, input: KeyResultCreate): Promise<KeyResult> {
    const { tenantId } = actor;
    const objective = await this.requireObjective(tenantId, input.objectiveId);
    this.assertAllowed(canManageOkr(actor, objective, await this.teamLookup(tenantId)), "Only the objective's owner, its team's owners or an org admin can add key results.");
    if (objective.state === "closed") throw objectiveClosed();
    await this.assertUsers(tenantId, [input.ownerUserId], "ownerUserId");
    const id = randomUUID();
    await this.assertAlignment(tenantId, id, input.parents);
    const order = await this.okr.keyResults.count(tenantId, { objectiveId: objective._id });
    const keyResult = await this.okr.keyResults.insert(tenantId, { ...this.keyResultDoc(actor, objective._id, input, order), _id: id });
    await this.record(actor, { kind: "created", subjectType: "keyResult", subjectId: id, objectiveId: objective._id, text: keyResult.title });
    return keyResult;
  }

  async updateKeyResult(actor: Actor, id: string, input: KeyResultUpdate): Promise<KeyResult> {
    const { tenantId } = actor;
    const { keyResult: current, objective } = await this.requireKeyResult(tenantId, id);
    const teams = await this.teamLookup(tenantId);
    this.assertAllowed(canEditKeyResult(actor, objective, current, teams), "Only the key result's owner, the objective's owners or an org admin can edit it.");
    if (objective.state === "closed") throw objectiveClosed();
    const set: Partial<KeyResult> = {};
    if (input.title !== undefined) set.title = input.title;
    if (input.description !== undefined) set.description = input.description;
    if (input.weight !== undefined) set.weight = input.weight;
    if (input.order !== undefined) set.order = input.order;
    if (input.measurement) {
      set.measurement = input.measurement;
      // Switching kinds restarts measurement; keeping the kind keeps the current value.
      if (input.measurement.kind !== current.measurement.kind) set.current = initialValue(input.measurement);
    }
    if (input.ownerUserId !== undefined) {
      // Re-assigning a KR is a decision of whoever manages the objective, not of the KR's owner.
      this.assertAllowed(canManageOkr(actor, objective, teams), "Only the objective's owners or an org admin can re-assign a key result.");
      await this.assertUsers(tenantId, [input.ownerUserId], "ownerUserId");
      set.ownerUserId = input.ownerUserId;
    }
    if (input.parents) {
      await this.assertAlignment(tenantId, id, input.parents);
      set.parents = input.parents;
      set.parentIds = refsToIds(input.parents);
    }
    const fields = changedFields(current, set);
    const updated = await this.okr.keyResults.update(tenantId, id, { $set: set }, { expectedVersion: versionToUse(input.version, current) });
    if (!updated) throw conflict("The key result was deleted meanwhile.");
    await this.recordEdit(actor, "keyResult", id, objective._id, current.parentIds, updated.parentIds, fields);
    return updated;
  }

  async deleteKeyResult(actor: Actor, id: string, expectedVersion?: number): Promise<void> {
    const { tenantId } = actor;
    const { keyResult, objective } = await this.requireKeyResult(tenantId, id);
    this.assertAllowed(canManageOkr(actor, objective, await this.teamLookup(tenantId)), "Only the objective's owners or an org admin can delete a key result.");
    if (objective.state === "closed") throw objectiveClosed();
    if (expectedVersion !== undefined && expectedVersion !== keyResult.version) {
      throw conflict(`This was changed by someone else (now version ${keyResult.version}, you had ${expectedVersion}); reload and try again.`, { currentVersion: keyResult.version });
    }
    await this.okr.keyResults.delete(tenantId, id);
    await this.okr.checkIns.deleteMany(tenantId, { keyResultId: id });
    await this.okr.activity.deleteMany(tenantId, { subjectId: id });
    await this.okr.projects.updateMany(tenantId, { keyResultId: id }, { $set: { keyResultId: null } });
    await this.unlinkChildren(tenantId, id);
    await this.record(actor, { kind: "deleted", subjectType: "objective", subjectId: objective._id, objectiveId: objective._id, text: `Key result removed: ${keyResult.title}` });
  }

  private keyResultDoc(actor: Actor, objectiveId: string, input: KeyResultInline, order: number) {
    return {
      _id: randomUUID(),
      objectiveId,
      title: input.title,
      description: input.description,
      ownerUserId: input.ownerUserId,
      measurement: input.measurement,
      weight: input.weight,
      current: initialValue(input.measurement),
      lastCheckIn: null,
      parents: input.parents,
      parentIds: refsToIds(input.parents),
      order,
      createdBy: actor.userId,
    };
  }

  private async recordEdit(
    actor: Actor,
    subjectType: "objective" | "keyResult",
    subjectId: string,
    objectiveId: string,
    before: readonly string[],
    after: readonly string[],
    fields: string[],
  ): Promise<void> {
    const added = after.filter((id) => !before.includes(id));
    const removed = before.filter((id) => !after.includes(id));
    if (added.length > 0 || removed.length > 0) {
      await this.record(actor, { kind: "alignment", subjectType, subjectId, objectiveId, text: "Alignment changed", data: { added, removed } });
    }
    const edited = fields.filter((field) => field !== "parents" && field !== "parentIds");
    if (edited.length > 0) await this.record(actor, { kind: "edited", subjectType, subjectId, objectiveId, text: `Changed ${edited.join(", ")}`, data: { fields: edited } });
  }

  /** Removes a deleted objective or KR from the alignment parents of whatever pointed to it. */
  private async unlinkChildren(tenantId: string, removedId: string): Promise<void> {
    for (const collection of [this.okr.objectives, this.okr.keyResults] as const) {
      const children = await (collection as typeof this.okr.objectives).find(tenantId, { parentIds: removedId });
      for (const child of children) {
        const parents = child.parents.filter((p) => p.id !== removedId);
        await (collection as typeof this.okr.objectives).update(tenantId, child._id, { $set: { parents, parentIds: refsToIds(parents) } });
      }
    }
  }
}

function prefixDetails(details: unknown, prefix: string): unknown {
  if (!Array.isArray(details)) return details;
  return details.map((d: { path?: string }) => ({ ...d, path: d.path ? `${prefix}.${d.path}` : prefix }));
}
