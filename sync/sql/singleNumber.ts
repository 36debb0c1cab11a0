import { resultShapeError } from "../connectors/errors.js";
import { type NumericValue, numberFromDecimalText, numberFromNative } from "../connectors/exactNumber.js";

/** What a driver hands back, reduced to what the shape check needs (drivers fetch at most 2 rows). */
export interface SqlColumn {
  name: string;
  /** The engine's own type name, shown in errors (e.g. "text", "VARCHAR", "nvarchar"). */
  typeName: string;
  numeric: boolean;
}
export interface SqlRows {
  columns: SqlColumn[];
  rows: unknown[][];
}

const AGGREGATE_HINT = "use an aggregate such as COUNT(*) or SUM(…)";

/** Exactly one row with one non-NULL numeric column, or a result-shape error naming what came back. */
export function singleNumericCell(result: SqlRows): NumericValue {
  const { columns, rows } = result;
  if (columns.length === 0) throw resultShapeError("The query returns no column; it must return one numeric column.");
  if (columns.length > 1) {
    const names = columns.slice(0, 5).map((c) => `\`${c.name}\``).join(", ");
    throw resultShapeError(`The query returns ${columns.length} columns (${names}${columns.length > 5 ? ", …" : ""}); it must return one numeric column.`);
  }
  const column = columns[0]!;
  const name = `\`${column.name || "?column?"}\``;
  const label = `Column ${name}`;
  if (rows.length === 0) throw resultShapeError(`The query returned no rows; it must return exactly one row (${AGGREGATE_HINT}).`);
  if (rows.length > 1) throw resultShapeError(`The query returned more than one row; it must return exactly one row (${AGGREGATE_HINT}).`);
  const cell = rows[0]![0];
  if (cell === null || cell === undefined) throw resultShapeError(`The query returned NULL in column ${name}; wrap it in COALESCE(…, 0) if that means zero.`);
  if (!column.numeric) throw resultShapeError(`${label} is ${column.typeName}; it must be a number (CAST it if needed).`);
  if (typeof cell === "number" || typeof cell === "bigint") return numberFromNative(cell, label);
  if (typeof cell === "string") return numberFromDecimalText(cell, label);
  // Decimal objects some drivers return (e.g. big.js, bignumber.js) print their exact digits.
  if (typeof cell === "object" && typeof (cell as { toFixed?: unknown }).toFixed === "function") return numberFromDecimalText(String(cell), label);
  throw resultShapeError(`${label} did not hold a single number.`);
}
