import { describe, expect, it } from "vitest";
import { columnsFor, type Row } from "../../../core/powerbi/columns.js";
import { matches, parseFilter, toStoreFilter } from "../../../core/powerbi/filter.js";
import { thrownBy } from "../../support/thrown.js";

const columns = columnsFor("KeyResults", { granularity: "rowLevel", schemaType: "pivoted", attributes: ["Team"] });
const row: Row = {
  Id: "k1",
  Title: "Ship it",
  Weight: 2,
  CurrentValue: null,
  Progress: 50,
  StatusSetByOwner: true,
  PeriodStart: "2027-01-01",
  CreatedAt: new Date("2027-02-01T10:00:00Z"),
  Team: "Sales",
};
const test = (filter: string) => matches(parseFilter(filter, columns), row);

describe("$filter", () => {
  it.each([
    ["Title eq 'Ship it'", true],
    ["Title ne 'Ship it'", false],
    ["Progress gt 49.5", true],
    ["Progress gt 50", false],
    ["Progress ge 50", true],
    ["Progress lt 50", false],
    ["Progress le 50", true],
    ["50 le Progress", true],
    ["Weight eq 2 and Team eq 'Sales'", true],
    ["Weight eq 3 or Team eq 'Sales'", true],
    ["Weight eq 3 or Team eq 'Ops' and Progress eq 50", false],
    ["(Weight eq 3 or Team eq 'Sales') and Progress eq 50", true],
    ["StatusSetByOwner eq true", true],
    ["CurrentValue eq null", true],
    ["CurrentValue ne null", false],
    ["CurrentValue gt 1", false],
    ["CurrentValue lt 1", false],
    ["CreatedAt gt 2027-01-31T00:00:00Z", true],
    ["CreatedAt lt 2027-02-01T11:00:00+02:00", false],
    ["PeriodStart ge 2027-01-01", true],
    ["Title eq 'it''s'", false],
  ])("%s → %s", (filter, expected) => {
    expect(test(filter)).toBe(expected);
  });

  it.each([
    "contains(Title,'x')",
    "startswith(Title, 'S') eq true",
    "not (Weight eq 2)",
    "Weight in (1,2)",
    "Weight add 1 eq 3",
    "Tags/any(t: t eq 'a')",
    "Weight eq @p",
  ])("refuses %s with 501", (filter) => {
    const error = thrownBy(() => parseFilter(filter, columns));
    expect(error.status).toBe(501);
    expect(error.id).toBe("not_implemented");
  });

  it.each([
    ["Nope eq 1", "not a column"],
    ["Title eq 1", "cannot compare"],
    ["StatusSetByOwner gt true", "booleans"],
    ["Title gt null", "null can only"],
    ["Title eq", "ends too early"],
    ["(Title eq 'a'", "expected ')'"],
    ["Title eq 'a' Weight eq 2", "unexpected input"],
    ["Title eq 'a", "unterminated"],
    ["1 eq 1", "at least one column"],
  ])("answers 400 for %s", (filter, message) => {
    const error = thrownBy(() => parseFilter(filter, columns));
    expect(error.status).toBe(400);
    expect(error.message).toContain(message);
  });

  it("pushes stored-column comparisons to the store and keeps the rest for the rows", () => {
    expect(toStoreFilter(parseFilter("Title eq 'a' and Progress gt 5 and Weight ge 2", columns), columns)).toEqual({
      $and: [{ title: "a" }, { weight: { $gte: 2 } }],
    });
    expect(toStoreFilter(parseFilter("Weight eq 1 or Progress gt 5", columns), columns)).toBeNull();
    expect(toStoreFilter(parseFilter("Weight eq 1 or 3 lt Weight", columns), columns)).toEqual({ $or: [{ weight: 1 }, { weight: { $gt: 3 } }] });
    // Strings only push equality (store and JavaScript order strings differently).
    expect(toStoreFilter(parseFilter("Title gt 'a'", columns), columns)).toBeNull();
    expect(toStoreFilter(parseFilter("MeasurementKind ne 'kpi'", columns), columns)).toEqual({ "measurement.kind": { $ne: "kpi" } });
  });
});
