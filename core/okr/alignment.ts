/**
 * Alignment graph rules. Nodes are objectives and key results; edges point from a node to its
 * parents: a KR's objective is always its parent, plus any explicit alignment parents.
 */
export type ParentsOf = (id: string) => readonly string[];

/**
 * If giving `nodeId` the parents `newParents` would close a loop, returns the loop
 * (`[nodeId, …, nodeId]`, following parent edges), else null.
 */
export function findAlignmentCycle(nodeId: string, newParents: readonly string[], parentsOf: ParentsOf): string[] | null {
  for (const start of newParents) {
    if (start === nodeId) return [nodeId, nodeId];
    // Depth-first search upwards from each new parent, remembering the path for the message.
    const seen = new Set<string>();
    const stack: Array<{ id: string; path: string[] }> = [{ id: start, path: [nodeId, start] }];
    while (stack.length > 0) {
      const { id, path } = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const parent of parentsOf(id)) {
        if (parent === nodeId) return [...path, nodeId];
        if (!seen.has(parent)) stack.push({ id: parent, path: [...path, parent] });
      }
    }
  }
  return null;
}

/** Builds a `ParentsOf` from stored objectives and KRs (KRs get their objective as a parent). */
export function alignmentGraph(
  objectives: readonly { _id: string; parentIds: readonly string[] }[],
  keyResults: readonly { _id: string; objectiveId: string; parentIds: readonly string[] }[],
): ParentsOf {
  const parents = new Map<string, readonly string[]>();
  for (const objective of objectives) parents.set(objective._id, objective.parentIds);
  for (const kr of keyResults) parents.set(kr._id, [kr.objectiveId, ...kr.parentIds]);
  return (id) => parents.get(id) ?? [];
}

/** Team hierarchy uses the same rule: a team cannot become its own ancestor. */
export function teamParentCycle(teamId: string, newParentId: string | null, parentOf: (id: string) => string | null): string[] | null {
  if (newParentId === null) return null;
  return findAlignmentCycle(teamId, [newParentId], (id) => {
    const parent = parentOf(id);
    return parent ? [parent] : [];
  });
}
