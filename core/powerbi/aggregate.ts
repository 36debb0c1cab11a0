import type { OkrStatus } from "../okr/model.js";
import { roundProgress } from "../okr/progress.js";
import type { Row } from "./columns.js";
import type { FeedAttribute, FeedEntitySet, FeedQuery } from "./model.js";

/**
 * One OKR fact (an objective, a key result or a check-in) before it becomes feed rows: its
 * row-level columns, the attributes of the people it belongs to, and who those people are (for
 * the minimum group size).
 */
export interface Fact {
  row: Row;
  period: { id: string; name: string; startDate: string; endDate: string };
  attributes: Record<FeedAttribute, string | null>;
  people: readonly string[];
  progress?: number;
  status?: OkrStatus;
  keyResultCount?: number;
  late?: boolean;
  integration?: boolean;
}

export interface Aggregation {
  rows: Row[];
  /** Groups found, and how many were left out for having fewer people than the minimum group size. */
  groups: number;
  suppressed: number;
}

/** Row-level rows: attributes as columns (pivoted) or one row per attribute (unpivoted). */
export function rowLevelRows(facts: readonly Fact[], query: Pick<FeedQuery, "schemaType" | "attributes">): Row[] {
  if (query.schemaType === "pivoted") {
    return facts.map((fact) => ({ ...fact.row, ...Object.fromEntries(query.attributes.map((a) => [a, fact.attributes[a]])) }));
  }
  return facts.flatMap((fact) => query.attributes.map((a) => ({ ...fact.row, AttributeName: a, AttributeValue: fact.attributes[a] })));
}

interface Group {
  key: string;
  labels: Row;
  facts: Fact[];
}

/**
 * Groups facts by period and the query's attributes (pivoted: all attributes together; unpivoted:
 * each attribute on its own, as AttributeName / AttributeValue) and measures each group. A group
 * with fewer distinct people than `minimumGroupSize` is left out entirely, so a shared report
 * never shows a group small enough to point at someone.
 */
export function aggregate(
  entitySet: FeedEntitySet,
  facts: readonly Fact[],
  query: Pick<FeedQuery, "schemaType" | "attributes">,
  minimumGroupSize: number,
): Aggregation {
  const groups = new Map<string, Group>();
  const add = (key: string, labels: Row, fact: Fact) => {
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, labels, facts: [] }));
    group.facts.push(fact);
  };
  for (const fact of facts) {
    const period = { PeriodId: fact.period.id, Period: fact.period.name, PeriodStart: fact.period.startDate, PeriodEnd: fact.period.endDate };
    if (query.schemaType === "pivoted") {
      const values = query.attributes.map((a) => fact.attributes[a]);
      add(JSON.stringify([fact.period.id, ...values]), { ...period, ...Object.fromEntries(query.attributes.map((a, i) => [a, values[i]!])) }, fact);
    } else {
      for (const attribute of query.attributes) {
        const value = fact.attributes[attribute];
        add(JSON.stringify([fact.period.id, attribute, value]), { ...period, AttributeName: attribute, AttributeValue: value }, fact);
      }
    }
  }
  const rows: Row[] = [];
  let suppressed = 0;
  for (const group of groups.values()) {
    const people = new Set(group.facts.flatMap((f) => f.people)).size;
    if (people < minimumGroupSize) {
      suppressed += 1;
      continue;
    }
    rows.push({ GroupKey: group.key, ...group.labels, PeopleCount: people, ...measures(entitySet, group.facts) });
  }
  return { rows, groups: groups.size, suppressed };
}

function measures(entitySet: FeedEntitySet, facts: readonly Fact[]): Row {
  const statusCounts = () => ({
    OnTrackCount: facts.filter((f) => f.status === "on_track").length,
    BehindCount: facts.filter((f) => f.status === "behind").length,
    AtRiskCount: facts.filter((f) => f.status === "at_risk").length,
  });
  const averageProgress = () => roundProgress(facts.reduce((sum, f) => sum + (f.progress ?? 0), 0) / Math.max(1, facts.length));
  switch (entitySet) {
    case "Objectives":
      return {
        ObjectiveCount: facts.length,
        KeyResultCount: facts.reduce((sum, f) => sum + (f.keyResultCount ?? 0), 0),
        AverageProgress: averageProgress(),
        ...statusCounts(),
      };
    case "KeyResults":
      return { KeyResultCount: facts.length, AverageProgress: averageProgress(), ...statusCounts() };
    case "CheckIns":
      return {
        CheckInCount: facts.length,
        LateCount: facts.filter((f) => f.late).length,
        IntegrationCount: facts.filter((f) => f.integration).length,
      };
  }
}
