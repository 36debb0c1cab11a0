import { resultShapeError, transientError } from "../errors.js";
import { type NumericValue, numberFromDecimalText } from "../exactNumber.js";

export type { NumericValue };

/** BigQuery's REST shapes that Pacer reads (https://cloud.google.com/bigquery/docs/reference/rest/v2/tables#TableFieldSchema). */
export interface Field {
  name: string;
  type: string;
  mode?: string;
  fields?: Field[];
}
export interface QueryResult {
  schema?: { fields?: Field[] };
  totalRows?: string;
  rows?: Array<{ f?: Array<{ v?: unknown }> }>;
}

const NUMERIC_TYPES = new Set(["INT64", "INTEGER", "FLOAT64", "FLOAT", "NUMERIC", "BIGNUMERIC", "BIGDECIMAL"]);

export const isNumericType = (type: string) => NUMERIC_TYPES.has(type.toUpperCase());

/** Statement types that are not a plain SELECT, told the way an editor would understand them. */
export function refusedStatement(statementType: string | undefined): string | null {
  const type = (statementType ?? "").toUpperCase();
  if (type === "SELECT") return null;
  if (type === "") return "BigQuery did not say what kind of statement this is; only a single SELECT statement is accepted.";
  if (type === "SCRIPT") return "This is a script (several statements); only a single SELECT statement is accepted.";
  if (["INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE_TABLE"].includes(type)) {
    return `This is a DML statement (${type}) that changes data; only a single SELECT statement is accepted.`;
  }
  if (/^(CREATE|DROP|ALTER|UNDROP)_/.test(type)) return `This is a DDL statement (${type}); only a single SELECT statement is accepted.`;
  return `This is a ${type} statement; only a single SELECT statement is accepted.`;
}

/** The result's schema must be exactly one numeric column (checked on the dry run's schema too). */
export function checkSchema(fields: Field[] | undefined): Field {
  if (!fields || fields.length === 0) throw resultShapeError("The query returns no column; it must return one numeric column.");
  if (fields.length > 1) {
    const names = fields.slice(0, 5).map((f) => `\`${f.name}\``).join(", ");
    throw resultShapeError(`The query returns ${fields.length} columns (${names}${fields.length > 5 ? ", …" : ""}); it must return one numeric column.`);
  }
  const field = fields[0]!;
  if (field.mode?.toUpperCase() === "REPEATED") throw resultShapeError(`Column \`${field.name}\` is an ARRAY of ${field.type}; it must be one number.`);
  if (!isNumericType(field.type)) {
    throw resultShapeError(`Column \`${field.name}\` is ${field.type}; it must be INT64, FLOAT64, NUMERIC or BIGNUMERIC (CAST it if needed).`);
  }
  return field;
}

/** A BigQuery scalar (always a string on the wire) → a number, keeping the exact text when a double loses digits. */
export function parseNumeric(raw: string, field: Field): NumericValue {
  const parsed = numberFromDecimalText(raw, `Column \`${field.name}\``);
  const type = field.type.toUpperCase();
  return type === "FLOAT64" || type === "FLOAT" ? { value: parsed.value, exact: null } : parsed;
}

/** Exactly one row with one non-NULL numeric value, or a result-shape error naming what came back. */
export function singleNumber(result: QueryResult): NumericValue {
  const field = checkSchema(result.schema?.fields);
  const total = result.totalRows !== undefined ? Number(result.totalRows) : (result.rows?.length ?? 0);
  if (total === 0) throw resultShapeError("The query returned no rows; it must return exactly one row (use an aggregate such as COUNT or SUM).");
  if (total > 1) throw resultShapeError(`The query returned ${total.toLocaleString("en-US")} rows; it must return exactly one row (use an aggregate such as COUNT or SUM).`);
  const cell = result.rows?.[0]?.f?.[0];
  if (!cell) throw transientError("BigQuery answered without the row it counted; trying again later.");
  if (cell.v === null || cell.v === undefined) throw resultShapeError(`The query returned NULL in \`${field.name}\`; wrap it in IFNULL(…, 0) or COALESCE if that means zero.`);
  if (typeof cell.v !== "string") throw resultShapeError(`Column \`${field.name}\` did not hold a single number.`);
  return parseNumeric(cell.v, field);
}

/** 1234567 → "1.2 MB" (decimal units, as the BigQuery console shows bytes). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1000) return `${Math.max(0, Math.round(bytes || 0))} B`;
  const units = ["KB", "MB", "GB", "TB", "PB"];
  let n = bytes / 1000;
  let unit = 0;
  while (n >= 1000 && unit < units.length - 1) {
    n /= 1000;
    unit += 1;
  }
  return `${n >= 100 ? Math.round(n) : Number(n.toFixed(1))} ${units[unit]}`;
}
