import { describe, expect, it } from "vitest";
import { evaluateKeyResult, evaluateObjective } from "../../../core/okr/evaluation.js";
import type { KeyResult, Objective } from "../../../core/okr/model.js";
import { expectedProgress, isLate, parseQuarterKey, quarter, quarterOf, quarterShift } from "../../../core/okr/periods.js";
import { computeStatus, effectiveStatus } from "../../../core/okr/status.js";

const q1 = quarter(2027, 1);

describe("periods", () => {
  it("quarters are calendar quarters, both ends inclusive", () => {
    expect(q1).toEqual({ key: "2027-Q1", name: "Q1 2027", startDate: "2027-01-01", endDate: "2027-03-31" });
    expect(quarterOf(new Date("2027-05-15T10:00:00Z")).key).toBe("2027-Q2");
    expect(quarterShift(new Date("2027-02-01T00:00:00Z"), -1).key).toBe("2026-Q4");
    expect(quarterShift(new Date("2027-11-01T00:00:00Z"), 1).key).toBe("2028-Q1");
    expect(parseQuarterKey("Q3 2027")?.startDate).toBe("2027-07-01");
  });
  it("expected progress is linear over the period", () => {
    expect(expectedProgress(q1, new Date("2027-01-01T00:00:00Z"))).toBe(0);
    expect(expectedProgress(q1, new Date("2026-12-01T00:00:00Z"))).toBe(0);
    expect(expectedProgress(q1, new Date("2027-04-01T00:00:00Z"))).toBe(100);
    const mid = expectedProgress({ startDate: "2027-01-01", endDate: "2027-01-10" }, new Date("2027-01-06T00:00:00Z"));
    expect(mid).toBeCloseTo(50);
  });
  it("check-ins after the last day are late; on the last day they are not", () => {
    expect(isLate(q1, new Date("2027-03-31T23:59:59Z"))).toBe(false);
    expect(isLate(q1, new Date("2027-04-01T00:00:00Z"))).toBe(true);
  });
});

describe("status", () => {
  it("on track at or above expected", () => {
    expect(computeStatus(50, 50)).toBe("on_track");
    expect(computeStatus(80, 50)).toBe("on_track");
  });
  it("behind up to 25 points below expected, at risk beyond", () => {
    expect(computeStatus(49, 50)).toBe("behind");
    expect(computeStatus(25, 50)).toBe("behind");
    expect(computeStatus(24.9, 50)).toBe("at_risk");
  });
  it("a status the owner set wins", () => {
    expect(effectiveStatus(0, 90, "on_track")).toBe("on_track");
    expect(effectiveStatus(90, 10, "at_risk")).toBe("at_risk");
    expect(effectiveStatus(0, 90, null)).toBe("at_risk");
  });
});

const base = { tenantId: "t", version: 1, createdAt: new Date(0), updatedAt: new Date(0) };
const kr = (id: string, current: number | null, weight = 1, status: KeyResult["lastCheckIn"] = null): KeyResult => ({
  ...base,
  _id: id,
  objectiveId: "o",
  title: id,
  description: "",
  ownerUserId: null,
  measurement: { kind: "percent" },
  weight,
  current,
  lastCheckIn: status,
  parents: [],
  parentIds: [],
  order: 0,
  createdBy: null,
});
const objective: Objective = {
  ...base,
  _id: "o",
  title: "O",
  description: "",
  ownerType: "user",
  ownerId: "u",
  periodId: "p",
  parents: [],
  parentIds: [],
  rollUpChildren: false,
  state: "active",
  closed: null,
  carriedFromId: null,
  createdBy: null,
};

describe("evaluation", () => {
  const midQ1 = new Date(new Date("2027-01-01T00:00:00Z").getTime() + (90 * 86_400_000) / 2);
  it("objective progress is the weighted mean of its KRs, with status against expected", () => {
    const result = evaluateObjective(objective, [kr("a", 100, 1), kr("b", 0, 3)], q1, midQ1);
    expect(result.progress).toBe(25);
    expect(result.expected).toBeCloseTo(50);
    expect(result.status).toBe("behind");
  });
  it("children roll up only when configured", () => {
    expect(evaluateObjective(objective, [kr("a", 100)], q1, midQ1, [0]).progress).toBe(100);
    expect(evaluateObjective({ ...objective, rollUpChildren: true }, [kr("a", 100)], q1, midQ1, [0]).progress).toBe(50);
  });
  it("the latest check-in's owner status overrides the computed one", () => {
    const summary = { id: "c", at: midQ1, value: 0, status: "on_track" as const, authorId: "u", sourceKind: "manual" as const, sourceFingerprint: null, late: false };
    const result = evaluateKeyResult(kr("a", 0, 1, summary), q1, midQ1);
    expect(result).toMatchObject({ status: "on_track", statusSetByOwner: true });
  });
  it("closed objectives show frozen scores", () => {
    const closed = { ...objective, state: "closed" as const, closed: { score: 0.7, note: "", closedAt: midQ1, closedBy: "u", keyResultScores: [{ keyResultId: "a", score: 0.6 }] } };
    const result = evaluateObjective(closed, [kr("a", 100)], q1, midQ1);
    expect(result.score).toBe(0.7);
    expect(result.keyResults[0]?.evaluation.score).toBe(0.6);
  });
});
