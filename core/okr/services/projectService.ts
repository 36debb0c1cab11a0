import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { badRequest, conflict, notFound } from "../../errors/appError.js";
import { paginate, type Page } from "../../store/pagination.js";
import type { TenantFilter } from "../../store/tenantCollection.js";
import type { Actor } from "../actor.js";
import { objectiveClosed } from "../errors.js";
import { MAX_TASKS_PER_PROJECT, type Objective, type Project, type Task } from "../model.js";
import { canEditProject, canManageOkr } from "../permissions.js";
import type * as s from "../schemas.js";
import { changedFields, OkrContext, versionToUse } from "./context.js";

type ProjectCreate = z.output<typeof s.projectCreate>;
type ProjectUpdate = z.output<typeof s.projectUpdate>;
type TaskCreate = z.output<typeof s.taskCreate>;
type TaskUpdate = z.output<typeof s.taskUpdate>;

/** Projects (initiatives) under an objective or one of its KRs, with up to 500 tasks each. */
export class ProjectService extends OkrContext {
  async list(actor: Actor, query: { limit: number; cursor?: string | undefined; objectiveId?: string | undefined; keyResultId?: string | undefined }): Promise<Page<Project>> {
    const filter: Record<string, unknown> = {};
    if (query.objectiveId) filter.objectiveId = query.objectiveId;
    if (query.keyResultId) filter.keyResultId = query.keyResultId;
    return paginate(this.okr.projects, actor.tenantId, filter as TenantFilter<Project>, query);
  }

  async get(actor: Actor, id: string): Promise<{ project: Project; objective: Objective }> {
    const project = await this.okr.projects.findById(actor.tenantId, id);
    const objective = project ? await this.okr.objectives.findById(actor.tenantId, project.objectiveId) : null;
    if (!project || !objective) throw notFound("Project");
    return { project, objective };
  }

  async create(actor: Actor, input: ProjectCreate): Promise<Project> {
    const { tenantId } = actor;
    let objectiveId = input.objectiveId;
    let keyResultOwner: string | null = null;
    if (input.keyResultId) {
      const found = await this.requireKeyResult(tenantId, input.keyResultId).catch(() => null);
      if (!found) throw badRequest("The key result does not exist.", [{ path: "keyResultId", message: "no such key result in this organisation" }]);
      if (objectiveId && objectiveId !== found.objective._id) throw badRequest("The key result belongs to another objective.", [{ path: "keyResultId", message: "is not a key result of objectiveId" }]);
      objectiveId = found.objective._id;
      keyResultOwner = found.keyResult.ownerUserId;
    }
    const objective = await this.okr.objectives.findById(tenantId, objectiveId!);
    if (!objective) throw badRequest("The objective does not exist.", [{ path: "objectiveId", message: "no such objective in this organisation" }]);
    const teams = await this.teamLookup(tenantId);
    this.assertAllowed(
      canManageOkr(actor, objective, teams) || (actor.userId !== null && keyResultOwner === actor.userId),
      "Only the owners of the objective (or of the key result) or an org admin can add projects.",
    );
    if (objective.state === "closed") throw objectiveClosed();
    await this.assertUsers(tenantId, [input.ownerUserId], "ownerUserId");
    for (const [index, task] of input.tasks.entries()) await this.assertUsers(tenantId, [task.assigneeId], `tasks.${index}.assigneeId`);
    const project = await this.okr.projects.insert(tenantId, {
      title: input.title,
      description: input.description,
      objectiveId: objective._id,
      keyResultId: input.keyResultId,
      ownerUserId: input.ownerUserId,
      tasks: input.tasks.map((task) => ({ id: randomUUID(), ...task })),
      createdBy: actor.userId,
    });
    await this.record(actor, { kind: "created", subjectType: "project", subjectId: project._id, objectiveId: objective._id, text: project.title });
    return project;
  }

  async update(actor: Actor, id: string, input: ProjectUpdate): Promise<Project> {
    const { tenantId } = actor;
    const { project, objective } = await this.editable(actor, id);
    const set: Partial<Project> = {};
    if (input.title !== undefined) set.title = input.title;
    if (input.description !== undefined) set.description = input.description;
    if (input.ownerUserId !== undefined) {
      await this.assertUsers(tenantId, [input.ownerUserId], "ownerUserId");
      set.ownerUserId = input.ownerUserId;
    }
    if (input.keyResultId !== undefined) {
      if (input.keyResultId !== null) {
        const kr = await this.okr.keyResults.findById(tenantId, input.keyResultId);
        if (!kr || kr.objectiveId !== objective._id) throw badRequest("The key result is not one of this objective's.", [{ path: "keyResultId", message: "no such key result under the project's objective" }]);
      }
      set.keyResultId = input.keyResultId;
    }
    const fields = changedFields(project, set);
    const updated = await this.okr.projects.update(tenantId, id, { $set: set }, { expectedVersion: versionToUse(input.version, project) });
    if (!updated) throw notFound("Project");
    if (fields.length > 0) await this.record(actor, { kind: "edited", subjectType: "project", subjectId: id, objectiveId: objective._id, text: `Changed ${fields.join(", ")}`, data: { fields } });
    return updated;
  }

  async delete(actor: Actor, id: string, expectedVersion?: number): Promise<void> {
    const { project, objective } = await this.editable(actor, id);
    if (expectedVersion !== undefined && expectedVersion !== project.version) {
      throw conflict(`This was changed by someone else (now version ${project.version}, you had ${expectedVersion}); reload and try again.`, { currentVersion: project.version });
    }
    await this.okr.projects.delete(actor.tenantId, id);
    await this.okr.activity.deleteMany(actor.tenantId, { subjectId: id });
    await this.record(actor, { kind: "deleted", subjectType: "objective", subjectId: objective._id, objectiveId: objective._id, text: `Project removed: ${project.title}` });
  }

  addTask(actor: Actor, id: string, input: TaskCreate & { version?: number | undefined }): Promise<{ project: Project; task: Task }> {
    const task: Task = { id: randomUUID(), title: input.title, done: input.done, assigneeId: input.assigneeId, due: input.due };
    return this.changeTasks(actor, id, input.version, async (tasks) => {
      if (tasks.length >= MAX_TASKS_PER_PROJECT) throw conflict(`A project holds at most ${MAX_TASKS_PER_PROJECT} tasks.`);
      await this.assertUsers(actor.tenantId, [task.assigneeId], "assigneeId");
      return { tasks: [...tasks, task], task };
    });
  }

  updateTask(actor: Actor, id: string, taskId: string, input: TaskUpdate): Promise<{ project: Project; task: Task }> {
    return this.changeTasks(actor, id, input.version, async (tasks) => {
      const existing = tasks.find((t) => t.id === taskId);
      if (!existing) throw notFound("Task");
      if (input.assigneeId) await this.assertUsers(actor.tenantId, [input.assigneeId], "assigneeId");
      const task: Task = {
        ...existing,
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.done !== undefined ? { done: input.done } : {}),
        ...(input.assigneeId !== undefined ? { assigneeId: input.assigneeId } : {}),
        ...(input.due !== undefined ? { due: input.due } : {}),
      };
      return { tasks: tasks.map((t) => (t.id === taskId ? task : t)), task };
    });
  }

  async deleteTask(actor: Actor, id: string, taskId: string, version?: number): Promise<Project> {
    const { project } = await this.changeTasks(actor, id, version, async (tasks) => {
      const task = tasks.find((t) => t.id === taskId);
      if (!task) throw notFound("Task");
      return { tasks: tasks.filter((t) => t.id !== taskId), task };
    });
    return project;
  }

  /**
   * Tasks live in the project document, so a task change is a read-modify-write of the list
   * guarded by the project's version: with the caller's version a stale edit is a 409; without
   * one, a concurrent change is re-read and the edit re-applied.
   */
  private async changeTasks(
    actor: Actor,
    id: string,
    version: number | undefined,
    change: (tasks: Task[]) => Promise<{ tasks: Task[]; task: Task }>,
  ): Promise<{ project: Project; task: Task }> {
    for (let attempt = 0; ; attempt += 1) {
      const { project } = await this.editable(actor, id);
      const { tasks, task } = await change(project.tasks);
      try {
        const updated = await this.okr.projects.update(actor.tenantId, id, { $set: { tasks } }, { expectedVersion: version ?? project.version });
        if (!updated) throw notFound("Project");
        return { project: updated, task };
      } catch (error) {
        if (version !== undefined || attempt >= 4 || (error as { id?: string }).id !== "conflict") throw error;
      }
    }
  }

  private async editable(actor: Actor, id: string): Promise<{ project: Project; objective: Objective }> {
    const found = await this.get(actor, id);
    this.assertAllowed(
      canEditProject(actor, found.objective, found.project, await this.teamLookup(actor.tenantId)),
      "Only the project's owner, the objective's owners or an org admin can change it.",
    );
    if (found.objective.state === "closed") throw objectiveClosed();
    return found;
  }
}
