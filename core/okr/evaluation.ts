import type { KeyResult, Objective, OkrStatus } from "./model.js";
import { expectedProgress, type PeriodRange } from "./periods.js";
import { keyResultProgress, objectiveProgress } from "./progress.js";
import { keyResultScore } from "./scoring.js";
import { effectiveStatus } from "./status.js";

/** What every surface shows about an OKR, computed from stored data by the same rules. */
export interface KeyResultEvaluation {
  progress: number;
  expected: number;
  status: OkrStatus;
  statusSetByOwner: boolean;
  /** Final score once the objective is closed. */
  score: number | null;
}

export interface ObjectiveEvaluation {
  progress: number;
  expected: number;
  status: OkrStatus;
  score: number | null;
  keyResults: Array<{ keyResult: KeyResult; evaluation: KeyResultEvaluation }>;
}

export function evaluateKeyResult(kr: KeyResult, period: PeriodRange, at: Date, objective?: Pick<Objective, "closed">): KeyResultEvaluation {
  const progress = keyResultProgress(kr.measurement, kr.current);
  const expected = expectedProgress(period, at);
  const ownerStatus = kr.lastCheckIn?.status ?? null;
  const frozen = objective?.closed?.keyResultScores.find((s) => s.keyResultId === kr._id);
  return {
    progress,
    expected,
    status: effectiveStatus(progress, expected, ownerStatus),
    statusSetByOwner: ownerStatus !== null,
    score: objective?.closed ? (frozen?.score ?? keyResultScore(progress)) : null,
  };
}

/** `childProgress`: progresses of aligned child objectives, when the objective rolls them up. */
export function evaluateObjective(
  objective: Objective,
  keyResults: readonly KeyResult[],
  period: PeriodRange,
  at: Date,
  childProgress: readonly number[] = [],
): ObjectiveEvaluation {
  const evaluated = [...keyResults]
    .sort((a, b) => a.order - b.order || a.createdAt.getTime() - b.createdAt.getTime())
    .map((keyResult) => ({ keyResult, evaluation: evaluateKeyResult(keyResult, period, at, objective) }));
  const progress = objectiveProgress(
    evaluated.map(({ keyResult, evaluation }) => ({ progress: evaluation.progress, weight: keyResult.weight })),
    objective.rollUpChildren ? childProgress : [],
  );
  const expected = expectedProgress(period, at);
  return {
    progress,
    expected,
    status: effectiveStatus(progress, expected, null),
    score: objective.closed?.score ?? null,
    keyResults: evaluated,
  };
}
