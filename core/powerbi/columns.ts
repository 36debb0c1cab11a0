import type { FeedAttribute, FeedEntitySet, FeedQuery } from "./model.js";

/**
 * The columns each entity set exposes, which depend on the saved query: its granularity
 * (row-level rows or aggregated groups), its schema type (attributes as columns, or as
 * AttributeName / AttributeValue rows) and its attributes. One list drives `$metadata`, `$select`,
 * `$filter` type checks, `$orderby` and the store pushdown, so they cannot disagree.
 */

export type EdmType = "Edm.String" | "Edm.Double" | "Edm.Int32" | "Edm.Boolean" | "Edm.Date" | "Edm.DateTimeOffset";
export type RowValue = string | number | boolean | Date | null;
export type Row = Record<string, RowValue>;

export interface Column {
  name: string;
  type: EdmType;
  nullable: boolean;
  key?: boolean;
  /** Stored field this column reads unchanged (row-level only): `$filter` on it is pushed to the store. */
  stored?: string;
  description?: string;
}

const col = (name: string, type: EdmType, options: Partial<Omit<Column, "name" | "type">> = {}): Column => ({
  name,
  type,
  nullable: options.nullable ?? false,
  ...(options.key ? { key: true } : {}),
  ...(options.stored ? { stored: options.stored } : {}),
  ...(options.description ? { description: options.description } : {}),
});

const period = [
  col("PeriodId", "Edm.String"),
  col("Period", "Edm.String"),
  col("PeriodStart", "Edm.Date"),
  col("PeriodEnd", "Edm.Date"),
];

const rowLevelColumns: Record<FeedEntitySet, Column[]> = {
  Objectives: [
    col("Id", "Edm.String", { key: true, stored: "_id" }),
    col("Title", "Edm.String", { stored: "title" }),
    ...period.map((c) => (c.name === "PeriodId" ? { ...c, stored: "periodId" } : c)),
    col("OwnerType", "Edm.String", { stored: "ownerType", description: "user or team" }),
    col("OwnerName", "Edm.String", { nullable: true }),
    col("State", "Edm.String", { stored: "state", description: "active or closed" }),
    col("Progress", "Edm.Double", { description: "0-100, weighted mean of the key results" }),
    col("ExpectedProgress", "Edm.Double", { description: "0-100, linear over the period" }),
    col("Status", "Edm.String", { description: "On track, Behind or At risk" }),
    col("Score", "Edm.Double", { nullable: true, description: "0.0-1.0 once closed" }),
    col("KeyResultCount", "Edm.Int32"),
    col("CreatedAt", "Edm.DateTimeOffset", { stored: "createdAt" }),
  ],
  KeyResults: [
    col("Id", "Edm.String", { key: true, stored: "_id" }),
    col("ObjectiveId", "Edm.String", { stored: "objectiveId" }),
    col("ObjectiveTitle", "Edm.String"),
    col("Title", "Edm.String", { stored: "title" }),
    ...period,
    col("OwnerName", "Edm.String", { nullable: true }),
    col("MeasurementKind", "Edm.String", { stored: "measurement.kind", description: "percent, metric, kpi or milestone" }),
    col("Weight", "Edm.Double", { stored: "weight" }),
    col("CurrentValue", "Edm.Double", { nullable: true, stored: "current" }),
    col("Progress", "Edm.Double"),
    col("ExpectedProgress", "Edm.Double"),
    col("Status", "Edm.String"),
    col("StatusSetByOwner", "Edm.Boolean"),
    col("LastCheckInAt", "Edm.DateTimeOffset", { nullable: true }),
    col("CreatedAt", "Edm.DateTimeOffset", { stored: "createdAt" }),
  ],
  CheckIns: [
    col("Id", "Edm.String", { key: true, stored: "_id" }),
    col("KeyResultId", "Edm.String", { stored: "keyResultId" }),
    col("ObjectiveId", "Edm.String", { stored: "objectiveId" }),
    ...period,
    col("AuthorName", "Edm.String", { nullable: true }),
    col("Value", "Edm.Double", { stored: "value" }),
    col("PreviousValue", "Edm.Double", { nullable: true, stored: "previousValue" }),
    col("OwnerStatus", "Edm.String", { nullable: true, description: "status set by the owner in this check-in" }),
    col("Origin", "Edm.String", { stored: "origin", description: "tab, teams, sync or api" }),
    col("Source", "Edm.String", { stored: "source.kind", description: "manual or integration" }),
    col("Late", "Edm.Boolean", { stored: "late" }),
    col("At", "Edm.DateTimeOffset", { stored: "at" }),
  ],
};

const aggregateMeasures: Record<FeedEntitySet, Column[]> = {
  Objectives: [
    col("ObjectiveCount", "Edm.Int32"),
    col("KeyResultCount", "Edm.Int32"),
    col("AverageProgress", "Edm.Double"),
    col("OnTrackCount", "Edm.Int32"),
    col("BehindCount", "Edm.Int32"),
    col("AtRiskCount", "Edm.Int32"),
  ],
  KeyResults: [
    col("KeyResultCount", "Edm.Int32"),
    col("AverageProgress", "Edm.Double"),
    col("OnTrackCount", "Edm.Int32"),
    col("BehindCount", "Edm.Int32"),
    col("AtRiskCount", "Edm.Int32"),
  ],
  CheckIns: [col("CheckInCount", "Edm.Int32"), col("LateCount", "Edm.Int32"), col("IntegrationCount", "Edm.Int32")],
};

export const attributeColumn = (attribute: FeedAttribute) => col(attribute, "Edm.String", { nullable: true });

/** The columns of one entity set under a query, in `$metadata` order. */
export function columnsFor(entitySet: FeedEntitySet, query: Pick<FeedQuery, "granularity" | "schemaType" | "attributes">): Column[] {
  const pivoted = query.schemaType === "pivoted";
  const attributeColumns = pivoted
    ? query.attributes.map(attributeColumn)
    : [col("AttributeName", "Edm.String", { key: query.granularity === "rowLevel" }), col("AttributeValue", "Edm.String", { nullable: true })];
  if (query.granularity === "rowLevel") return [...rowLevelColumns[entitySet], ...attributeColumns];
  return [
    col("GroupKey", "Edm.String", { key: true, description: "identifies the group (period and attribute values)" }),
    ...period,
    ...attributeColumns,
    col("PeopleCount", "Edm.Int32", { description: "distinct people in the group; groups below the minimum group size are left out" }),
    ...aggregateMeasures[entitySet],
  ];
}

export const keyColumns = (columns: readonly Column[]) => columns.filter((c) => c.key).map((c) => c.name);
