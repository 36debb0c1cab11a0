import type { Weighted } from "./progress.js";
import { weightedProgress } from "./progress.js";

/** Scores are 0.0–1.0 with two decimals; a KR's suggested score is its progress. */
export const roundScore = (score: number) => Math.round(Math.min(1, Math.max(0, score)) * 100) / 100;

export const keyResultScore = (progress: number) => roundScore(progress / 100);

/** The suggested objective score: the weighted mean of its KRs' scores. */
export function objectiveScore(keyResults: readonly { score: number; weight: number }[]): number {
  const asProgress: Weighted[] = keyResults.map((kr) => ({ progress: kr.score * 100, weight: kr.weight }));
  return roundScore(weightedProgress(asProgress) / 100);
}
