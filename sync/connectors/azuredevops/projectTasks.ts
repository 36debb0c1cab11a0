import type { ItemNode } from "../../../core/integrations/contract.js";
import { MAX_TASKS_PER_PROJECT, type Task } from "../../../core/okr/model.js";
import { rollUp, treeProgress } from "./workItems.js";

/**
 * What a project linked to an Azure DevOps query shows (issue 6, "Add tasks → Automatically from a
 * data source"). The sync engine (sync/engine/projectLinks.ts) calls `fetchItems` and stores
 * this: tasks in depth-first order (a task's parent precedes it), each
 * with its level, link and rolled-up progress, plus the project's progress and the query's link.
 */
export interface SyncedTask extends Task {
  /** The work item id. */
  externalId: string;
  parentExternalId: string | null;
  /** 1 (top) to 3. */
  level: number;
  url: string | null;
  progress: number;
}

export interface SyncedProjectTasks {
  tasks: SyncedTask[];
  /** Rolled up from the tree, not the share of done tasks (a half-done epic counts half). */
  progress: number;
  queryUrl: string | null;
  /** Items left out because the project reached MAX_TASKS_PER_PROJECT. */
  truncated: number;
}

export function projectTasksFromItems(roots: readonly ItemNode[], queryUrl: string | null, max = MAX_TASKS_PER_PROJECT): SyncedProjectTasks {
  const tasks: SyncedTask[] = [];
  let truncated = 0;
  const visit = (node: ItemNode, parent: string | null, level: number) => {
    if (node.state === "removed") return;
    if (tasks.length >= max) truncated += 1;
    else
      tasks.push({
        id: `ado-${node.id}`,
        title: node.title,
        done: node.state === "done",
        assigneeId: null,
        due: null,
        externalId: node.id,
        parentExternalId: parent,
        level,
        url: node.url,
        progress: node.progress ?? 0,
      });
    for (const child of node.children) visit(child, node.id, level + 1);
  };
  const rolled = roots.map(rollUp);
  for (const root of rolled) visit(root, null, 1);
  return { tasks, progress: treeProgress(rolled), queryUrl, truncated };
}
