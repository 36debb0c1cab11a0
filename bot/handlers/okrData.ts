import type { Actor } from "../../core/okr/actor.js";
import type { KeyResult, Objective, Period } from "../../core/okr/model.js";
import { canEditKeyResult } from "../../core/okr/permissions.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import { evaluateKeyResult } from "../../core/okr/evaluation.js";
import type { OkrListCardData } from "../cards/okrListCard.js";
import type { ProgressCardData } from "../cards/progressCard.js";
import { valueText } from "../cards/template.js";

/**
 * Reads for the bot, through the same services as the tab (the services hold the rules; these only
 * gather what a card shows).
 */

/** Objectives of the current period the person owns, or in which they own a key result. */
export async function myObjectives(okr: OkrServices, actor: Actor): Promise<{ period: Period; objectives: Objective[] }> {
  const period = await okr.periods.current(actor);
  const userId = actor.userId!;
  const owned = await okr.objectives.list(actor, { limit: 100, periodId: period._id, owner: userId, state: "active" });
  const myKeyResults = await okr.objectives.listKeyResults(actor, { limit: 100, owner: userId });
  const objectives = new Map(owned.items.map((o) => [o._id, o]));
  for (const kr of myKeyResults.items) {
    if (objectives.has(kr.objectiveId)) continue;
    const objective = await okr.objectives.get(actor, kr.objectiveId).catch(() => null);
    if (objective && objective.periodId === period._id && objective.state === "active") objectives.set(objective._id, objective);
  }
  return { period, objectives: [...objectives.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()) };
}

export async function okrListData(okr: OkrServices, actor: Actor): Promise<Omit<OkrListCardData, "tabUrl">> {
  const { period, objectives } = await myObjectives(okr, actor);
  const evaluations = await okr.objectives.evaluate(actor.tenantId, objectives);
  return {
    periodName: period.name,
    objectives: objectives.map((objective) => {
      const evaluation = evaluations.get(objective._id)!;
      return {
        title: objective.title,
        progress: evaluation.progress,
        status: evaluation.status,
        keyResults: evaluation.keyResults.map(({ keyResult, evaluation: e }) => ({
          title: keyResult.title,
          progress: e.progress,
          status: e.status,
          valueText: valueText(keyResult.measurement, keyResult.current),
        })),
      };
    }),
  };
}

/** Key results of the current period the person may check in (by the same rule the service enforces). */
export async function checkInCandidates(okr: OkrServices, actor: Actor): Promise<Array<{ keyResult: KeyResult; objective: Objective }>> {
  const { objectives } = await myObjectives(okr, actor);
  const teams = await okr.objectives.teamLookup(actor.tenantId);
  const candidates: Array<{ keyResult: KeyResult; objective: Objective }> = [];
  for (const objective of objectives) {
    const keyResults = await okr.objectives.listKeyResults(actor, { limit: 100, objectiveId: objective._id });
    for (const keyResult of keyResults.items.sort((a, b) => a.order - b.order)) {
      if (canEditKeyResult(actor, objective, keyResult, teams)) candidates.push({ keyResult, objective });
    }
  }
  return candidates;
}

/** Every word of `query` appears in the title (case-insensitive). */
export function matchesWords(title: string, query: string): boolean {
  const text = title.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => text.includes(word));
}

export async function keyResultCardData(
  okr: OkrServices,
  tenantId: string,
  keyResult: KeyResult,
  objective: Objective,
): Promise<Pick<ProgressCardData, "keyResultTitle" | "objectiveTitle" | "valueText" | "progress" | "status">> {
  const period = await okr.objectives.periodOf(tenantId, objective);
  const evaluation = evaluateKeyResult(keyResult, period, okr.objectives.now(), objective);
  return {
    keyResultTitle: keyResult.title,
    objectiveTitle: objective.title,
    valueText: valueText(keyResult.measurement, keyResult.current),
    progress: evaluation.progress,
    status: evaluation.status,
  };
}
