import type { ItemNode } from "../../../core/integrations/contract.js";
import { itemTrees, rollUp, treeProgress } from "../itemTree.js";

/** Pure parts of the Azure DevOps connector: state categories, counting, the query tree and its roll-up. */

export type StateCategory = "Proposed" | "InProgress" | "Resolved" | "Completed" | "Removed";

/** A work item as Pacer needs it (from workitemsbatch `fields`). */
export interface WorkItem {
  id: number;
  title: string;
  state: string;
  type: string;
}

/** state name (lower case) → category, for one work item type. */
export type StateCategories = ReadonlyMap<string, string>;

/** Query result as `wiql/{id}` returns it: flat `workItems`, or `workItemRelations` for tree and one-hop queries. */
export interface QueryLink {
  rel: string | null;
  sourceId: number | null;
  targetId: number;
}

export type ItemState = ItemNode["state"];

/**
 * Maps a state to Pacer's four states through its work item type's category, so renamed or custom
 * states of inherited processes work. A state the type does not list counts as in progress.
 */
export function itemState(item: Pick<WorkItem, "state">, categories: StateCategories | undefined): ItemState {
  const category = categories?.get(item.state.toLowerCase());
  switch (category) {
    case "Completed":
      return "done";
    case "Removed":
      return "removed";
    case "Proposed":
      return "proposed";
    default:
      return "in_progress";
  }
}

/** Every work item id of a query result once, in first-seen order, whatever its place in a tree or one-hop result. */
export function uniqueIds(links: readonly QueryLink[]): number[] {
  const seen = new Set<number>();
  for (const link of links) {
    if (link.sourceId !== null) seen.add(link.sourceId);
    seen.add(link.targetId);
  }
  return [...seen];
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const sameType = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: "accent" }) === 0;

export interface Tally {
  /** Work items not in a Removed state. */
  total: number;
  completed: number;
  removed: number;
}

/** Counts each item once; Removed items leave the total. `categoriesOf(type)` gives that type's states. */
export function tally(items: readonly WorkItem[], categoriesOf: (type: string) => StateCategories | undefined, workItemType?: string): Tally {
  const byId = new Map<number, WorkItem>();
  for (const item of items) if (!workItemType || sameType(item.type, workItemType)) byId.set(item.id, item);
  const result: Tally = { total: 0, completed: 0, removed: 0 };
  for (const item of byId.values()) {
    const state = itemState(item, categoriesOf(item.type));
    if (state === "removed") result.removed += 1;
    else {
      result.total += 1;
      if (state === "done") result.completed += 1;
    }
  }
  return result;
}

export const MAX_LEVELS = 3;
const HIERARCHY_REVERSE = "System.LinkTypes.Hierarchy-Reverse";

/**
 * Builds the query's tree, at most `maxLevels` deep. Flat results are all roots. In tree and
 * one-hop results a link with no source is a root and every other link hangs its target under
 * its source (a Hierarchy-Reverse link, "parent of", the other way round). Each work item appears
 * once: where it is first met. Deeper levels are left out.
 */
export function buildTree(
  links: readonly QueryLink[],
  items: ReadonlyMap<number, WorkItem>,
  stateOf: (item: WorkItem) => ItemState,
  urlOf: (id: number) => string,
  maxLevels = MAX_LEVELS,
): ItemNode[] {
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  const hasParent = new Set<number>();
  for (const link of links) {
    if (link.sourceId === null) {
      roots.push(link.targetId);
      continue;
    }
    const [parent, child] = link.rel === HIERARCHY_REVERSE ? [link.targetId, link.sourceId] : [link.sourceId, link.targetId];
    if (parent === child) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
    hasParent.add(child);
  }
  // One-hop results without explicit roots: every source that is nobody's child starts a tree.
  if (roots.length === 0) for (const link of links) if (link.sourceId !== null && !hasParent.has(link.sourceId)) roots.push(link.sourceId);

  return itemTrees(roots, children, maxLevels, (id) => {
    const item = items.get(id);
    return item && { id: String(id), title: item.title, state: stateOf(item), url: urlOf(id) };
  });
}

/** The roll-up is shared with the other work trackers (../itemTree.ts); re-exported for projectTasks.ts and tests. */
export { rollUp, treeProgress };
