import type { Measurement, Task } from "./model.js";

/** Progress is a percentage, 0–100. */
const clamp = (value: number, min = 0, max = 100) => Math.min(max, Math.max(min, value));

/** The value a new (or carried-over) KR starts from. */
export function initialValue(measurement: Measurement): number | null {
  switch (measurement.kind) {
    case "percent":
    case "milestone":
      return 0;
    case "metric":
      return measurement.start;
    case "kpi":
      return null;
  }
}

/**
 * A KR's progress from its current value:
 * - percent: the value itself;
 * - metric: the share of the way from start to target (works for increase and decrease);
 * - KPI: 100 while the value keeps the right side of the threshold (inclusive), else 0;
 * - milestone: 100 when done (value 1).
 * No value yet counts as 0.
 */
export function keyResultProgress(measurement: Measurement, current: number | null): number {
  if (current === null) return 0;
  switch (measurement.kind) {
    case "percent":
      return clamp(current);
    case "milestone":
      return current >= 1 ? 100 : 0;
    case "kpi":
      return (measurement.direction === "above" ? current >= measurement.threshold : current <= measurement.threshold) ? 100 : 0;
    case "metric": {
      const span = measurement.target - measurement.start;
      if (span === 0) return current === measurement.target ? 100 : 0;
      return clamp(((current - measurement.start) / span) * 100);
    }
  }
}

export interface Weighted {
  progress: number;
  weight: number;
}

/** Weighted mean of progresses (weights default to equal); nothing to average is 0. */
export function weightedProgress(items: readonly Weighted[]): number {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  if (items.length === 0 || total <= 0) return 0;
  return items.reduce((sum, item) => sum + item.progress * item.weight, 0) / total;
}

/**
 * An objective's progress: the weighted mean of its KRs and, when it rolls up its aligned
 * children, of those objectives too (each counting with weight 1).
 */
export function objectiveProgress(keyResults: readonly Weighted[], children: readonly number[] = []): number {
  return weightedProgress([...keyResults, ...children.map((progress) => ({ progress, weight: 1 }))]);
}

/** A project's progress: the share of its tasks that are done (no tasks: 0). */
export function projectProgress(tasks: readonly Pick<Task, "done">[]): number {
  if (tasks.length === 0) return 0;
  return (tasks.filter((task) => task.done).length / tasks.length) * 100;
}

/** Rounds for display and export (one decimal). */
export const roundProgress = (progress: number) => Math.round(progress * 10) / 10;
