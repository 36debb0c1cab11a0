import { describe, expect, it } from "vitest";
import { initialValue, keyResultProgress, objectiveProgress, projectProgress, weightedProgress } from "../../../core/okr/progress.js";

describe("key result progress", () => {
  it("percent complete is the value, clamped to 0–100", () => {
    expect(keyResultProgress({ kind: "percent" }, 40)).toBe(40);
    expect(keyResultProgress({ kind: "percent" }, 140)).toBe(100);
    expect(keyResultProgress({ kind: "percent" }, null)).toBe(0);
  });
  it("metric measures the way from start to target, increasing or decreasing", () => {
    const up = { kind: "metric", start: 100, target: 200, unit: "users", decimals: 0 } as const;
    expect(keyResultProgress(up, 150)).toBe(50);
    expect(keyResultProgress(up, 90)).toBe(0);
    expect(keyResultProgress(up, 260)).toBe(100);
    const down = { kind: "metric", start: 20, target: 5, unit: "ms", decimals: 1 } as const;
    expect(keyResultProgress(down, 20)).toBe(0);
    expect(keyResultProgress(down, 8.75)).toBe(75);
    expect(keyResultProgress(down, 2)).toBe(100);
  });
  it("KPI is met or not, threshold inclusive", () => {
    const above = { kind: "kpi", threshold: 99.9, direction: "above", unit: "%", decimals: 1 } as const;
    expect(keyResultProgress(above, 99.9)).toBe(100);
    expect(keyResultProgress(above, 99.8)).toBe(0);
    const below = { kind: "kpi", threshold: 3, direction: "below", unit: null, decimals: 0 } as const;
    expect(keyResultProgress(below, 2)).toBe(100);
    expect(keyResultProgress(below, 4)).toBe(0);
    expect(keyResultProgress(below, null)).toBe(0);
  });
  it("milestone is done or not", () => {
    expect(keyResultProgress({ kind: "milestone" }, 1)).toBe(100);
    expect(keyResultProgress({ kind: "milestone" }, 0)).toBe(0);
  });
  it("new KRs start from their natural value", () => {
    expect(initialValue({ kind: "metric", start: 7, target: 9, unit: null, decimals: 0 })).toBe(7);
    expect(initialValue({ kind: "kpi", threshold: 1, direction: "above", unit: null, decimals: 0 })).toBeNull();
    expect(initialValue({ kind: "percent" })).toBe(0);
  });
});

describe("roll-up", () => {
  it("weights default to equal", () => {
    expect(weightedProgress([{ progress: 100, weight: 1 }, { progress: 0, weight: 1 }])).toBe(50);
  });
  it("weights tilt the mean", () => {
    expect(weightedProgress([{ progress: 100, weight: 3 }, { progress: 0, weight: 1 }])).toBe(75);
  });
  it("an objective without KRs has 0 progress", () => {
    expect(objectiveProgress([])).toBe(0);
  });
  it("aligned children count with weight 1 each", () => {
    expect(objectiveProgress([{ progress: 60, weight: 2 }], [0, 30])).toBe((120 + 0 + 30) / 4);
  });
  it("projects roll up their tasks", () => {
    expect(projectProgress([{ done: true }, { done: false }, { done: true }, { done: true }])).toBe(75);
    expect(projectProgress([])).toBe(0);
  });
});
