import { describe, expect, it } from "vitest";
import { aggregate, type Fact, rowLevelRows } from "../../../core/powerbi/aggregate.js";
import { generateApiKey, hashApiKey, looksLikeApiKey } from "../../../core/powerbi/apiKeys.js";
import { columnsFor, type Row } from "../../../core/powerbi/columns.js";
import { applyOptions, parseQueryOptions } from "../../../core/powerbi/queryOptions.js";
import { redactUrl } from "../../../server/http/requestLogging.js";
import { thrownBy } from "../../support/thrown.js";

const columns = columnsFor("Objectives", { granularity: "rowLevel", schemaType: "pivoted", attributes: [] });
const rows: Row[] = [3, 1, 2, 5, 4].map((n) => ({ Id: `o${n}`, Title: `T${n % 2}`, Progress: n * 10 }));

describe("OData query options", () => {
  it("orders stably (requested order, then the key), skips, tops and pages", () => {
    const options = parseQueryOptions({ $orderby: "Title desc", $skip: "1", $top: "3" }, columns);
    const window = applyOptions(rows, options, ["Id"], 2);
    expect(window.rows.map((r) => r.Id)).toEqual(["o3", "o5"]);
    expect(window).toMatchObject({ total: 5, nextSkip: 3 });
    const next = applyOptions(rows, { ...options, skip: 3, top: 1 }, ["Id"], 2);
    expect(next.rows.map((r) => r.Id)).toEqual(["o2"]);
    expect(next.nextSkip).toBeNull();
  });

  it("counts after the filter", () => {
    const window = applyOptions(rows, parseQueryOptions({ $filter: "Progress ge 30", $count: "true" }, columns), ["Id"], 100);
    expect(window.total).toBe(3);
  });

  it.each(["$expand", "$apply", "$search", "$compute", "$levels", "$skiptoken"])("refuses %s with 501", (option) => {
    expect(thrownBy(() => parseQueryOptions({ [option]: "x" }, columns)).status).toBe(501);
  });

  it("refuses what it does not understand", () => {
    expect(thrownBy(() => parseQueryOptions({ $format: "xml" }, columns)).status).toBe(501);
    expect(thrownBy(() => parseQueryOptions({ $orderby: "tolower(Title)" }, columns)).status).toBe(501);
    expect(thrownBy(() => parseQueryOptions({ $select: "Nope" }, columns)).status).toBe(400);
    expect(thrownBy(() => parseQueryOptions({ $top: "-1" }, columns)).status).toBe(400);
    expect(thrownBy(() => parseQueryOptions({ $count: "yes" }, columns)).status).toBe(400);
    expect(parseQueryOptions({ ApiKey: "ignored", $format: "json" }, columns).select).toBeNull();
  });
});

const fact = (team: string, people: string[], progress: number, status: Fact["status"] = "on_track"): Fact => ({
  row: { Id: `${team}-${people.join("")}` },
  period: { id: "p1", name: "Q1 2027", startDate: "2027-01-01", endDate: "2027-03-31" },
  attributes: { Team: team, Department: team === "Ops" ? "Operations" : "Commercial", Manager: null, Location: null },
  people,
  progress,
  status,
  keyResultCount: 2,
});

describe("aggregation with a minimum group size", () => {
  const facts = [
    fact("Sales", ["a", "b"], 10),
    fact("Sales", ["c", "d", "e"], 30, "behind"),
    fact("Ops", ["f", "g", "h", "i"], 50),
    fact("Ops", ["f"], 70, "at_risk"),
  ];
  const pivoted = { schemaType: "pivoted" as const, attributes: ["Team" as const] };

  it("keeps groups at and above the threshold and leaves out those below", () => {
    const at = aggregate("Objectives", facts, pivoted, 5);
    expect(at).toMatchObject({ groups: 2, suppressed: 1 });
    expect(at.rows).toEqual([
      {
        GroupKey: '["p1","Sales"]',
        PeriodId: "p1",
        Period: "Q1 2027",
        PeriodStart: "2027-01-01",
        PeriodEnd: "2027-03-31",
        Team: "Sales",
        PeopleCount: 5,
        ObjectiveCount: 2,
        KeyResultCount: 4,
        AverageProgress: 20,
        OnTrackCount: 1,
        BehindCount: 1,
        AtRiskCount: 0,
      },
    ]);
    expect(aggregate("Objectives", facts, pivoted, 4).rows.map((r) => [r.Team, r.PeopleCount])).toEqual([
      ["Sales", 5],
      ["Ops", 4],
    ]);
    expect(aggregate("Objectives", facts, pivoted, 6)).toMatchObject({ rows: [], groups: 2, suppressed: 2 });
  });

  it("unpivots: one group per attribute value, AttributeName / AttributeValue", () => {
    const result = aggregate("KeyResults", facts, { schemaType: "unpivoted", attributes: ["Team", "Department"] }, 4);
    expect(result.rows.map((r) => [r.AttributeName, r.AttributeValue, r.PeopleCount, r.KeyResultCount])).toEqual([
      ["Team", "Sales", 5, 2],
      ["Department", "Commercial", 5, 2],
      ["Team", "Ops", 4, 2],
      ["Department", "Operations", 4, 2],
    ]);
  });

  it("row-level rows: attributes as columns or as rows", () => {
    expect(rowLevelRows(facts.slice(0, 1), pivoted)).toEqual([{ Id: "Sales-ab", Team: "Sales" }]);
    expect(rowLevelRows(facts.slice(0, 1), { schemaType: "unpivoted", attributes: ["Team", "Department"] })).toEqual([
      { Id: "Sales-ab", AttributeName: "Team", AttributeValue: "Sales" },
      { Id: "Sales-ab", AttributeName: "Department", AttributeValue: "Commercial" },
    ]);
  });
});

describe("API keys", () => {
  it("are 32 random bytes with a display prefix, stored as a SHA-256 hash", () => {
    const { key, prefix, keyHash } = generateApiKey();
    expect(looksLikeApiKey(key)).toBe(true);
    expect(key.startsWith(prefix)).toBe(true);
    expect(keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyHash).toBe(hashApiKey(key));
    expect(generateApiKey().key).not.toBe(key);
  });

  it("never reach the request log", () => {
    expect(redactUrl("/odata/o/q/Objectives?$top=5&ApiKey=pacer_secret&x=1")).toBe("/odata/o/q/Objectives?$top=5&ApiKey=[redacted]&x=1");
    expect(redactUrl("/odata/o/q/?apikey=pacer_secret")).toBe("/odata/o/q/?apikey=[redacted]");
  });
});
