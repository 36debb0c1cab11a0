import type { ItemNode } from "../../core/integrations/contract.js";

/**
 * A work tracker's items as trees from `roots` down `children`, at most `maxLevels` deep, each with
 * its rolled-up progress. An item appears once, where it is first met (a tracker may list it under
 * two parents); deeper levels and keys `itemOf` does not know are left out.
 */
export function itemTrees<K>(
  roots: readonly K[],
  children: ReadonlyMap<K, readonly K[]>,
  maxLevels: number,
  itemOf: (key: K) => Omit<ItemNode, "progress" | "children"> | undefined,
): ItemNode[] {
  const placed = new Set<K>();
  const node = (key: K, level: number): ItemNode | null => {
    const item = itemOf(key);
    if (!item || placed.has(key)) return null;
    placed.add(key);
    const kids = level < maxLevels ? (children.get(key) ?? []).map((c) => node(c, level + 1)).filter((n): n is ItemNode => n !== null) : [];
    return { ...item, progress: null, children: kids };
  };
  return roots.map((key) => node(key, 1)).filter((n): n is ItemNode => n !== null).map(rollUp);
}

/**
 * Progress of a work tracker's item tree (shared by the work tracker connectors and the engine's
 * project links): each node 0–100, a done item is 100; otherwise the mean progress of its children
 * that are not removed (so done children count, and partial ones roll up); a leaf that is not done
 * is 0. Removed items carry progress null and count nowhere.
 */
export function rollUp(node: ItemNode): ItemNode {
  const children = node.children.map(rollUp);
  if (node.state === "removed") return { ...node, children, progress: null };
  if (node.state === "done") return { ...node, children, progress: 100 };
  const counted = children.filter((c) => c.state !== "removed");
  const progress = counted.length ? counted.reduce((sum, c) => sum + (c.progress ?? 0), 0) / counted.length : 0;
  return { ...node, children, progress };
}

/** Progress of a whole tree (a project's): the mean of its top-level items that are not removed. */
export function treeProgress(roots: readonly ItemNode[]): number {
  const counted = roots.map(rollUp).filter((n) => n.state !== "removed");
  return counted.length ? counted.reduce((sum, n) => sum + (n.progress ?? 0), 0) / counted.length : 0;
}
