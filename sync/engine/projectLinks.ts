import type { ConnectorDefinition, FetchedValue, ItemNode } from "../../core/integrations/contract.js";
import type { KrLink } from "../../core/integrations/model.js";
import { MAX_TASKS_PER_PROJECT, type Project, type Task } from "../../core/okr/model.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import { projectTasksFromItems, type SyncedProjectTasks } from "../connectors/azuredevops/projectTasks.js";
import type { ConnectorRunner } from "./connectorRunner.js";

/**
 * Project links ("Add tasks → Automatically from a data source"): the engine fetches the source's
 * item tree (`fetchItems`) instead of a value, and instead of a check-in replaces the project's
 * synced tasks (those carrying `source`) in one versioned write; manual tasks are kept as they are.
 * The link's `lastValue` is the rolled-up progress, so failures and status work as for key results.
 */
export interface FetchedItems extends FetchedValue {
  items: ItemNode[];
  sourceUrl: string | null;
}

export function summarize(project: Pick<SyncedProjectTasks, "tasks" | "truncated">): string {
  return `${project.tasks.length} ${project.tasks.length === 1 ? "task" : "tasks"}${project.truncated ? ` (${project.truncated} left out: a project holds at most ${MAX_TASKS_PER_PROJECT} tasks)` : ""}`;
}

/** One attempt: the tree, with its rolled-up progress as the value. Throws a ConnectorError. */
export async function fetchProjectItems(
  runner: ConnectorRunner,
  definition: ConnectorDefinition,
  config: unknown,
  secrets: unknown,
  source: unknown,
  signal?: AbortSignal,
): Promise<FetchedItems> {
  const items = await runner.fetchItems(definition, config, secrets, source, signal);
  const sourceUrl = definition.sourceUrl?.(config, source) ?? null;
  const mapped = projectTasksFromItems(items, sourceUrl);
  return { items, sourceUrl, value: Math.round(mapped.progress * 100) / 100, details: summarize(mapped), asOf: new Date() };
}

/** Maps a fetched tree to tasks that fit next to the project's manual ones. */
export function syncedTasks(project: Pick<Project, "tasks">, integrationId: string, fetched: Pick<FetchedItems, "items" | "sourceUrl">): { tasks: Task[]; mapped: SyncedProjectTasks } {
  const manual = project.tasks.filter((t) => !t.source);
  const mapped = projectTasksFromItems(fetched.items, fetched.sourceUrl, Math.max(0, MAX_TASKS_PER_PROJECT - manual.length));
  return { tasks: [...manual, ...mapped.tasks.map((t) => ({ ...t, source: integrationId }))], mapped };
}

/**
 * Replaces the project's synced tasks and sync summary in one write, guarded by the version read
 * (a concurrent manual edit is re-read and kept). Throws the store's not-found when the project is gone.
 */
export async function applyProjectItems(okr: OkrServices, link: KrLink, fetched: FetchedItems, now: Date): Promise<SyncedProjectTasks> {
  for (let attempt = 0; ; attempt += 1) {
    const project = await okr.store.projects.findById(link.tenantId, link.keyResultId);
    if (!project) throw Object.assign(new Error("The linked project was deleted."), { id: "not_found" });
    const { tasks, mapped } = syncedTasks(project, link.integrationId, fetched);
    try {
      await okr.store.projects.update(
        link.tenantId,
        project._id,
        { $set: { tasks, sync: { integrationId: link.integrationId, progress: mapped.progress, sourceUrl: fetched.sourceUrl, syncedAt: now } } },
        { expectedVersion: project.version },
      );
      return mapped;
    } catch (error) {
      if (attempt >= 4 || (error as { id?: string }).id !== "conflict") throw error;
    }
  }
}
