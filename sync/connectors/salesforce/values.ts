import { configError, resultShapeError } from "../errors.js";
import { type NumericValue, numberFromDecimalText, numberFromNative } from "../exactNumber.js";

/**
 * Reading one number out of Salesforce's answers.
 *
 * SOQL (GET /services/data/vXX.X/query?q=…,
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm):
 * `SELECT COUNT() FROM …` answers `{ totalSize, done, records: [] }` (the count is totalSize);
 * an aggregate such as `SELECT SUM(Amount) total FROM …` answers one AggregateResult record,
 * `{ attributes: { type: "AggregateResult" }, total: 1234567.5 }` (unaliased: expr0).
 *
 * Reports (GET /services/data/vXX.X/analytics/reports/<id>,
 * https://developer.salesforce.com/docs/atlas.en-us.api_analytics.meta/api_analytics/sforce_analytics_rest_api_getreportrundata.htm):
 * the grand total is `factMap["T!T"].aggregates[i]`, in the order of `reportMetadata.aggregates`
 * (`s!Amount`, `RowCount`, …), labelled in `reportExtendedMetadata.aggregateColumnInfo`.
 */

/** Why a text is not one SOQL SELECT, or null. SOQL is read-only, but SOSL and DML-looking text are refused clearly. */
export function soqlProblem(query: string): string | null {
  const text = query.trim();
  const first = /^[A-Za-z]+/.exec(text)?.[0]?.toUpperCase();
  if (first === "FIND") return "This is a SOSL search (FIND …); Pacer runs a single SOQL SELECT returning one number.";
  if (first && ["INSERT", "UPDATE", "DELETE", "UPSERT", "MERGE", "UNDELETE"].includes(first)) {
    return `The query starts with ${first}; Pacer only runs a single read-only SOQL SELECT returning one number.`;
  }
  if (first !== "SELECT") return "The query must be a single SOQL SELECT returning one number, e.g. SELECT COUNT() FROM Opportunity WHERE IsWon = true.";
  if (/;\s*\S/.test(stripLiterals(text))) return "The text holds more than one statement; Pacer runs a single SOQL SELECT.";
  return null;
}

/** `SELECT COUNT() FROM …`: the answer is totalSize, not a record. */
export const isCountQuery = (query: string) => /^\s*select\s+count\s*\(\s*\)\s+from\s/i.test(query);

const stripLiterals = (text: string) => text.replace(/'(?:[^'\\]|\\.)*'/g, "''");

export interface QueryAnswer {
  totalSize: number;
  done: boolean;
  records: Array<Record<string, unknown>>;
}

export interface SoqlNumber extends NumericValue {
  /** The field read (the alias, expr0, or "totalSize" for COUNT()). */
  field: string;
}

export function numberFromQuery(query: string, answer: QueryAnswer): SoqlNumber {
  if (typeof answer?.totalSize !== "number" || !Array.isArray(answer.records)) throw resultShapeError("Salesforce's query answer has no totalSize and records.");
  if (isCountQuery(query)) return { value: answer.totalSize, exact: null, field: "totalSize" };
  if (answer.records.length === 0 || answer.totalSize === 0) {
    throw resultShapeError("The query returned no rows. Use SELECT COUNT() FROM … to count records, or an aggregate such as SUM(Amount), which always returns one row.");
  }
  if (answer.records.length > 1 || answer.totalSize > 1) {
    throw resultShapeError(`The query returned ${answer.totalSize} rows; it must return one (an aggregate without GROUP BY, or SELECT COUNT()).`);
  }
  const record = answer.records[0]!;
  const fields = Object.keys(record).filter((k) => k !== "attributes");
  if (fields.length !== 1) throw resultShapeError(`The query returned ${fields.length} fields (${fields.join(", ") || "none"}); it must return exactly one number.`);
  const field = fields[0]!;
  return { ...readNumber(record[field], `Field ${field}`), field };
}

/** A JSON value that should be one number (a digit string came from parseJsonKeepingDigits). */
export function readNumber(raw: unknown, what: string): NumericValue {
  if (raw === null || raw === undefined) throw resultShapeError(`${what} is empty (null): no records matched, or the field has no value.`);
  if (typeof raw === "number") return numberFromNative(raw, what);
  if (typeof raw === "string") {
    if (/^-?\d/.test(raw)) return numberFromDecimalText(raw, what);
    throw resultShapeError(`${what} holds the text "${raw.slice(0, 40)}", not a number.`);
  }
  if (typeof raw === "boolean") throw resultShapeError(`${what} holds ${raw}, a checkbox, not a number.`);
  throw resultShapeError(`${what} holds a related record or compound field, not a number.`);
}

export interface ReportAnswer {
  attributes?: { reportId?: string; reportName?: string };
  reportMetadata?: { id?: string; name?: string; aggregates?: string[] };
  reportExtendedMetadata?: { aggregateColumnInfo?: Record<string, { label?: string; dataType?: string }> };
  factMap?: Record<string, { aggregates?: Array<{ label?: string; value?: unknown }> }>;
}

export interface ReportNumber extends NumericValue {
  aggregate: string;
  label: string;
  reportName: string;
}

export function numberFromReport(answer: ReportAnswer, aggregate: string | undefined): ReportNumber {
  const keys = answer.reportMetadata?.aggregates ?? [];
  const reportName = answer.reportMetadata?.name ?? answer.attributes?.reportName ?? "report";
  const info = answer.reportExtendedMetadata?.aggregateColumnInfo ?? {};
  const labelOf = (key: string) => info[key]?.label ?? key;
  if (keys.length === 0) throw resultShapeError(`Report '${reportName}' has no summaries (aggregates): add a summary such as Sum of Amount or Record Count.`);
  const key = aggregate ?? keys[0]!;
  const index = keys.indexOf(key);
  if (index < 0) {
    const list = keys.map((k) => `${k} (${labelOf(k)})`).join(", ");
    throw configError(`Report '${reportName}' has no aggregate ${key}; it has ${list}.`);
  }
  const total = answer.factMap?.["T!T"]?.aggregates?.[index];
  if (!total) throw resultShapeError(`Report '${reportName}' answered without a grand total (factMap T!T) for ${key}.`);
  const raw = total.value !== null && typeof total.value === "object" && "amount" in total.value ? (total.value as { amount: unknown }).amount : total.value;
  return { ...readNumber(raw, `${labelOf(key)} in report '${reportName}'`), aggregate: key, label: labelOf(key), reportName };
}

/** 1234567.5 → "1,234,567.5"; an exact decimal keeps its digits. */
export function formatNumber(n: NumericValue): string {
  const text = n.exact ?? (Number.isInteger(n.value) ? BigInt(n.value).toString() : String(n.value));
  if (/e/i.test(text)) return text;
  const [int = "", frac] = text.split(".");
  const sign = int.startsWith("-") ? "-" : "";
  const digits = int.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${digits}${frac ? `.${frac}` : ""}`;
}
