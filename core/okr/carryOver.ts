import type { KeyResult, Objective } from "./model.js";
import { initialValue } from "./progress.js";

export type ObjectiveDraft = Omit<Objective, "tenantId" | "version" | "createdAt" | "updatedAt">;
export type KeyResultDraft = Omit<KeyResult, "tenantId" | "version" | "createdAt" | "updatedAt">;

/**
 * The copy of an objective and its KRs in another period: titles, owners, measurements, targets,
 * weights and alignment links are kept; check-ins (current values) and the closed score are not.
 */
export function carryOverDrafts(
  source: Objective,
  keyResults: readonly KeyResult[],
  target: { periodId: string; objectiveId: string; keyResultIds: readonly string[]; createdBy: string | null },
): { objective: ObjectiveDraft; keyResults: KeyResultDraft[] } {
  const objective: ObjectiveDraft = {
    _id: target.objectiveId,
    title: source.title,
    description: source.description,
    ownerType: source.ownerType,
    ownerId: source.ownerId,
    periodId: target.periodId,
    parents: source.parents.map((p) => ({ ...p })),
    parentIds: [...source.parentIds],
    rollUpChildren: source.rollUpChildren,
    state: "active",
    closed: null,
    carriedFromId: source._id,
    createdBy: target.createdBy,
  };
  const copies = keyResults.map((kr, index): KeyResultDraft => {
    const id = target.keyResultIds[index];
    if (!id) throw new Error("carryOverDrafts needs one new id per key result");
    return {
      _id: id,
      objectiveId: target.objectiveId,
      title: kr.title,
      description: kr.description,
      ownerUserId: kr.ownerUserId,
      measurement: { ...kr.measurement },
      weight: kr.weight,
      current: initialValue(kr.measurement),
      lastCheckIn: null,
      parents: kr.parents.map((p) => ({ ...p })),
      parentIds: [...kr.parentIds],
      order: kr.order,
      createdBy: target.createdBy,
    };
  });
  return { objective, keyResults: copies };
}
