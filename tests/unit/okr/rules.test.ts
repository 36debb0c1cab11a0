import { describe, expect, it } from "vitest";
import type { Actor } from "../../../core/okr/actor.js";
import { alignmentGraph, findAlignmentCycle, teamParentCycle } from "../../../core/okr/alignment.js";
import { carryOverDrafts } from "../../../core/okr/carryOver.js";
import { csvCell, toCsv } from "../../../core/okr/csv.js";
import type { KeyResult, Objective } from "../../../core/okr/model.js";
import { canEditKeyResult, canManageOkr, roleChangeRefusal, type TeamLookup } from "../../../core/okr/permissions.js";
import { keyResultScore, objectiveScore } from "../../../core/okr/scoring.js";

describe("alignment cycles", () => {
  const graph = alignmentGraph(
    [
      { _id: "company", parentIds: [] },
      { _id: "team", parentIds: ["company-kr"] },
      { _id: "mine", parentIds: ["team"] },
    ],
    [{ _id: "company-kr", objectiveId: "company", parentIds: [] }],
  );
  it("accepts a new parent that is not a descendant", () => {
    expect(findAlignmentCycle("mine", ["company"], graph)).toBeNull();
  });
  it("refuses aligning an ancestor under its descendant, naming the loop", () => {
    expect(findAlignmentCycle("company", ["mine"], graph)).toEqual(["company", "mine", "team", "company-kr", "company"]);
  });
  it("refuses aligning an objective to its own KR, and to itself", () => {
    expect(findAlignmentCycle("company", ["company-kr"], graph)).toEqual(["company", "company-kr", "company"]);
    expect(findAlignmentCycle("team", ["team"], graph)).toEqual(["team", "team"]);
  });
  it("team parents cannot loop either", () => {
    const parentOf = (id: string) => ({ b: "a", c: "b" })[id] ?? null;
    expect(teamParentCycle("a", "c", parentOf)).toEqual(["a", "c", "b", "a"]);
    expect(teamParentCycle("c", "a", parentOf)).toBeNull();
  });
});

describe("scoring", () => {
  it("KR scores follow progress; objective score is the weighted mean", () => {
    expect(keyResultScore(66.666)).toBe(0.67);
    expect(objectiveScore([{ score: 1, weight: 1 }, { score: 0.4, weight: 2 }])).toBe(0.6);
  });
});

const base = { tenantId: "t", version: 4, createdAt: new Date(0), updatedAt: new Date(0) };
const source: Objective = {
  ...base,
  _id: "o1",
  title: "Grow",
  description: "d",
  ownerType: "team",
  ownerId: "team-1",
  periodId: "p1",
  parents: [{ type: "objective", id: "company" }],
  parentIds: ["company"],
  rollUpChildren: true,
  state: "closed",
  closed: { score: 0.5, note: "", closedAt: new Date(0), closedBy: "u", keyResultScores: [] },
  carriedFromId: null,
  createdBy: "u",
};
const sourceKr: KeyResult = {
  ...base,
  _id: "k1",
  objectiveId: "o1",
  title: "Users",
  description: "",
  ownerUserId: "u2",
  measurement: { kind: "metric", start: 10, target: 50, unit: "k", decimals: 0 },
  weight: 2,
  current: 42,
  lastCheckIn: { id: "c", at: new Date(0), value: 42, status: "behind", authorId: "u2", sourceKind: "manual", sourceFingerprint: null, late: false },
  parents: [{ type: "keyResult", id: "company-kr" }],
  parentIds: ["company-kr"],
  order: 1,
  createdBy: "u",
};

describe("carry over", () => {
  it("keeps targets, owners, weights and links; drops check-ins and the score", () => {
    const { objective, keyResults } = carryOverDrafts(source, [sourceKr], { periodId: "p2", objectiveId: "o2", keyResultIds: ["k2"], createdBy: "me" });
    expect(objective).toMatchObject({ _id: "o2", periodId: "p2", state: "active", closed: null, carriedFromId: "o1", parentIds: ["company"], ownerId: "team-1" });
    expect(keyResults).toEqual([
      expect.objectContaining({ _id: "k2", objectiveId: "o2", current: 10, lastCheckIn: null, weight: 2, parentIds: ["company-kr"], ownerUserId: "u2", measurement: sourceKr.measurement }),
    ]);
  });
});

describe("permissions", () => {
  const teams: TeamLookup = (id) =>
    ({ parent: { _id: "parent", ownerIds: ["boss"], parentTeamId: null }, child: { _id: "child", ownerIds: ["lead"], parentTeamId: "parent" } })[id];
  const member = (userId: string): Actor => ({ tenantId: "t", userId, orgRole: "member", origin: "api" });
  it("members manage their own OKRs only", () => {
    expect(canManageOkr(member("u"), { ownerType: "user", ownerId: "u" }, teams)).toBe(true);
    expect(canManageOkr(member("u"), { ownerType: "user", ownerId: "v" }, teams)).toBe(false);
  });
  it("team owners manage their team's OKRs and those of teams below", () => {
    expect(canManageOkr(member("lead"), { ownerType: "team", ownerId: "child" }, teams)).toBe(true);
    expect(canManageOkr(member("boss"), { ownerType: "team", ownerId: "child" }, teams)).toBe(true);
    expect(canManageOkr(member("lead"), { ownerType: "team", ownerId: "parent" }, teams)).toBe(false);
  });
  it("admins manage everything; a KR's owner may edit that KR", () => {
    expect(canManageOkr({ ...member("x"), orgRole: "admin" }, { ownerType: "team", ownerId: "parent" }, teams)).toBe(true);
    expect(canEditKeyResult(member("u2"), source, sourceKr, teams)).toBe(true);
    expect(canEditKeyResult(member("u3"), source, sourceKr, teams)).toBe(false);
  });
  it("only owners touch ownership, and the last owner stays", () => {
    const admin: Actor = { ...member("a"), orgRole: "admin" };
    const owner: Actor = { ...member("o"), orgRole: "owner" };
    expect(roleChangeRefusal(admin, { id: "m", orgRole: "member" }, "admin", 1)).toBeNull();
    expect(roleChangeRefusal(admin, { id: "m", orgRole: "member" }, "owner", 1)).toMatch(/owner/);
    expect(roleChangeRefusal(member("m"), { id: "x", orgRole: "member" }, "admin", 1)).toMatch(/admins/);
    expect(roleChangeRefusal(owner, { id: "o", orgRole: "owner" }, "member", 1)).toMatch(/at least one owner/);
    expect(roleChangeRefusal(owner, { id: "o", orgRole: "owner" }, "member", 2)).toBeNull();
  });
});

describe("csv", () => {
  it("quotes and neutralises formulas", () => {
    expect(csvCell('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell(-3)).toBe("-3");
    expect(toCsv(["a", "b"], [[1, null]])).toBe("a,b\r\n1,\r\n");
  });
});
