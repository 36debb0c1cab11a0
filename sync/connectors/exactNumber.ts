import { resultShapeError } from "./errors.js";

/**
 * Sources send big integers and decimals as text (BigQuery's INT64/NUMERIC, PostgreSQL's numeric
 * and bigint, MySQL's DECIMAL, Snowflake's NUMBER(38,0), …). A KR's value is a double, so when the
 * double cannot hold the source's digits the exact text is kept beside it (shown in `details`).
 */
export interface NumericValue {
  value: number;
  /** The exact decimal the source sent, when `value` cannot hold it; else null. */
  exact: string | null;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Decimal text → a number, keeping the exact text when a double loses digits. `what` names the column in errors. */
export function numberFromDecimalText(raw: string, what: string): NumericValue {
  const text = raw.trim();
  if (!DECIMAL.test(text)) throw resultShapeError(`${what} holds ${text.slice(0, 40) || "an empty text"}, which is not a finite number.`);
  const value = Number(text);
  if (!Number.isFinite(value)) throw resultShapeError(`${what} holds a number too large to use (${text.slice(0, 40)}…).`);
  return { value, exact: sameDecimal(text, value) ? null : normalizeDecimal(text) };
}

/** A JavaScript number or bigint from a driver → a NumericValue (a bigint beyond 2^53 keeps its digits). */
export function numberFromNative(raw: number | bigint, what: string): NumericValue {
  if (typeof raw === "bigint") {
    const value = Number(raw);
    return { value, exact: BigInt(value) === raw ? null : raw.toString() };
  }
  if (!Number.isFinite(raw)) throw resultShapeError(`${what} holds ${String(raw)}, which is not a finite number.`);
  return { value: raw, exact: null };
}

/** `-007.5000` → `-7.5`; `12.` → `12`; `+0.0` → `0`. Plain decimals only (exponents are left to `Number`). */
export function normalizeDecimal(text: string): string {
  let t = text.trim();
  let sign = "";
  if (t.startsWith("-") || t.startsWith("+")) {
    sign = t[0] === "-" ? "-" : "";
    t = t.slice(1);
  }
  let [int = "", frac = ""] = t.split(".");
  int = int.replace(/^0+(?=\d)/, "") || "0";
  frac = frac.replace(/0+$/, "");
  const body = frac ? `${int}.${frac}` : int;
  return body === "0" ? "0" : sign + body;
}

function sameDecimal(text: string, value: number): boolean {
  if (/[eE]/.test(text)) return true;
  const normalized = normalizeDecimal(text);
  if (!normalized.includes(".")) {
    if (Number.isSafeInteger(value)) return true;
    return BigInt(normalized) === BigInt(value);
  }
  const shortest = String(value);
  return !/e/.test(shortest) && normalizeDecimal(shortest) === normalized;
}
