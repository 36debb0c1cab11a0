import { badRequest, notImplemented } from "../errors/appError.js";
import type { Column, EdmType, RowValue } from "./columns.js";

/**
 * OData v4 `$filter`, the subset Pacer supports: `eq ne gt ge lt le`, `and`, `or`, parentheses,
 * and string / number / boolean / null / date / DateTimeOffset literals on the exposed columns.
 * Everything else (functions, `not`, `in`, `has`, arithmetic, lambdas, paths) is refused with 501
 * rather than half-understood: a feed must never return silently wrong rows.
 */

export type ComparisonOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";

export type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "date"; value: string }
  | { kind: "datetime"; value: Date };

export type Operand = { kind: "property"; name: string } | { kind: "literal"; literal: Literal };

export type FilterNode =
  | { kind: "and" | "or"; left: FilterNode; right: FilterNode }
  | { kind: "compare"; op: ComparisonOp; left: Operand; right: Operand };

const COMPARISONS = new Set<string>(["eq", "ne", "gt", "ge", "lt", "le"]);
const REFUSED_OPERATORS = new Set(["not", "in", "has", "add", "sub", "mul", "div", "divby", "mod"]);

type Token =
  | { t: "(" | ")" | ","; at: number }
  | { t: "string"; value: string; at: number }
  | { t: "number"; value: number; at: number }
  | { t: "date"; value: string; at: number }
  | { t: "datetime"; value: Date; at: number }
  | { t: "word"; value: string; at: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?:Z|[+-]\d{2}:\d{2})/i;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\w:.])/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/i;
const WORD = /^[A-Za-z_][\w]*(?:\/[A-Za-z_][\w]*)*/;

const invalid = (message: string) => badRequest(`$filter is invalid: ${message}`, [{ path: "$filter", message }]);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ t: ch, at: i });
      i += 1;
      continue;
    }
    if (ch === "'") {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw invalid(`unterminated string starting at position ${i}`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j += 1;
      }
      tokens.push({ t: "string", value, at: i });
      i = j + 1;
      continue;
    }
    const datetime = DATETIME.exec(rest);
    if (datetime) {
      const value = new Date(datetime[0]);
      if (Number.isNaN(value.getTime())) throw invalid(`${datetime[0]} is not a valid DateTimeOffset`);
      tokens.push({ t: "datetime", value, at: i });
      i += datetime[0].length;
      continue;
    }
    const date = DATE.exec(rest);
    if (date) {
      if (Number.isNaN(new Date(`${date[0]}T00:00:00Z`).getTime()) || new Date(`${date[0]}T00:00:00Z`).toISOString().slice(0, 10) !== date[0]) {
        throw invalid(`${date[0]} is not a valid date`);
      }
      tokens.push({ t: "date", value: date[0], at: i });
      i += date[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ t: "number", value: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      tokens.push({ t: "word", value: word[0], at: i });
      i += word[0].length;
      continue;
    }
    if (ch === ":") throw notImplemented(`$filter: lambda operators (any, all) are not supported (at position ${i}).`);
    if (ch === "@" || ch === "$") throw notImplemented(`$filter: parameter aliases and ${ch}-expressions are not supported (at position ${i}).`);
    throw invalid(`unexpected character '${ch}' at position ${i}`);
  }
  return tokens;
}

/** Parses `$filter` text and checks each comparison against the columns and their types. */
export function parseFilter(text: string, columns: readonly Column[]): FilterNode {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw invalid("it is empty");
  const byName = new Map(columns.map((c) => [c.name, c]));
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (token: Token | undefined, word: string): boolean => token?.t === "word" && token.value === word;

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isWord(peek(), "or")) {
      pos += 1;
      left = { kind: "or", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseComparison();
    while (isWord(peek(), "and")) {
      pos += 1;
      left = { kind: "and", left, right: parseComparison() };
    }
    return left;
  };
  const parseComparison = (): FilterNode => {
    const token = peek();
    if (token?.t === "(") {
      pos += 1;
      const inner = parseOr();
      if (peek()?.t !== ")") throw invalid(`expected ')' at position ${peek()?.at ?? text.length}`);
      pos += 1;
      return inner;
    }
    const left = parseOperand();
    const op = peek();
    if (op?.t === "word" && REFUSED_OPERATORS.has(op.value)) throw notImplemented(`$filter: the '${op.value}' operator is not supported; use eq, ne, gt, ge, lt, le, and, or.`);
    if (op?.t !== "word" || !COMPARISONS.has(op.value)) {
      throw invalid(`expected a comparison operator (eq, ne, gt, ge, lt, le) at position ${op?.at ?? text.length}`);
    }
    pos += 1;
    const right = parseOperand();
    const node: FilterNode = { kind: "compare", op: op.value as ComparisonOp, left, right };
    typeCheck(node);
    return node;
  };
  const parseOperand = (): Operand => {
    const token = peek();
    if (!token) throw invalid("the expression ends too early");
    pos += 1;
    switch (token.t) {
      case "string":
        return { kind: "literal", literal: { kind: "string", value: token.value } };
      case "number":
        return { kind: "literal", literal: { kind: "number", value: token.value } };
      case "date":
        return { kind: "literal", literal: { kind: "date", value: token.value } };
      case "datetime":
        return { kind: "literal", literal: { kind: "datetime", value: token.value } };
      case "word": {
        if (token.value === "true" || token.value === "false") return { kind: "literal", literal: { kind: "boolean", value: token.value === "true" } };
        if (token.value === "null") return { kind: "literal", literal: { kind: "null" } };
        if (token.value.includes("/")) throw notImplemented(`$filter: paths and lambda operators (${token.value}) are not supported.`);
        if (REFUSED_OPERATORS.has(token.value)) throw notImplemented(`$filter: the '${token.value}' operator is not supported; use eq, ne, gt, ge, lt, le, and, or.`);
        if (peek()?.t === "(") throw notImplemented(`$filter: functions such as ${token.value}() are not supported; use eq, ne, gt, ge, lt, le, and, or.`);
        if (!byName.has(token.value)) throw invalid(`'${token.value}' is not a column of this entity set`);
        return { kind: "property", name: token.value };
      }
      default:
        throw invalid(`unexpected '${token.t}' at position ${token.at}`);
    }
  };
  const typeCheck = (node: Extract<FilterNode, { kind: "compare" }>) => {
    const typeOf = (operand: Operand): EdmType | "null" | Literal["kind"] =>
      operand.kind === "property" ? byName.get(operand.name)!.type : operand.literal.kind;
    const [a, b] = [typeOf(node.left), typeOf(node.right)];
    if (node.left.kind === "literal" && node.right.kind === "literal") throw invalid("a comparison needs at least one column");
    if (a === "null" || b === "null") {
      if (node.op !== "eq" && node.op !== "ne") throw invalid("null can only be compared with eq or ne");
      return;
    }
    if (family(a) !== family(b)) throw invalid(`cannot compare ${describe(node.left)} with ${describe(node.right)}`);
    if (family(a) === "boolean" && node.op !== "eq" && node.op !== "ne") throw invalid("booleans can only be compared with eq or ne");
  };

  const tree = parseOr();
  if (pos < tokens.length) throw invalid(`unexpected input at position ${tokens[pos]!.at}`);
  return tree;
}

function family(type: string): string {
  switch (type) {
    case "Edm.String":
    case "string":
      return "string";
    case "Edm.Double":
    case "Edm.Int32":
    case "Edm.Int64":
    case "number":
      return "number";
    case "Edm.Boolean":
    case "boolean":
      return "boolean";
    case "Edm.Date":
    case "date":
      return "date";
    case "Edm.DateTimeOffset":
    case "datetime":
      return "datetime";
    default:
      return type;
  }
}

const describe = (operand: Operand) => (operand.kind === "property" ? `column ${operand.name}` : `a ${operand.literal.kind} literal`);

function literalValue(literal: Literal): RowValue {
  switch (literal.kind) {
    case "null":
      return null;
    default:
      return literal.value;
  }
}

function compareValues(op: ComparisonOp, a: RowValue, b: RowValue): boolean {
  if (a === null || b === null) {
    if (op === "eq") return a === b;
    if (op === "ne") return a !== b;
    return false;
  }
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  switch (op) {
    case "eq":
      return x === y;
    case "ne":
      return x !== y;
    case "gt":
      return x > y;
    case "ge":
      return x >= y;
    case "lt":
      return x < y;
    case "le":
      return x <= y;
  }
}

/** Exact OData semantics on a row (null compares equal only to null; ordering with null is false). */
export function matches(node: FilterNode, row: Readonly<Record<string, RowValue>>): boolean {
  switch (node.kind) {
    case "and":
      return matches(node.left, row) && matches(node.right, row);
    case "or":
      return matches(node.left, row) || matches(node.right, row);
    case "compare": {
      const value = (operand: Operand) => (operand.kind === "property" ? (row[operand.name] ?? null) : literalValue(operand.literal));
      return compareValues(node.op, value(node.left), value(node.right));
    }
  }
}

const MONGO_OPERATOR: Record<ComparisonOp, string> = { eq: "$eq", ne: "$ne", gt: "$gt", ge: "$gte", lt: "$lt", le: "$lte" };
const FLIPPED: Record<ComparisonOp, ComparisonOp> = { eq: "eq", ne: "ne", gt: "lt", ge: "le", lt: "gt", le: "ge" };

/**
 * The part of the filter the store can evaluate: comparisons of stored columns with literals,
 * under `and` (any pushable conjunct) and `or` (only when both sides are). The result selects a
 * superset of the rows (the full filter is applied to every row afterwards), so strings only push
 * `eq`/`ne` (the store orders strings by UTF-8 bytes, JavaScript by UTF-16 units). Returns null
 * when nothing can be pushed.
 */
export function toStoreFilter(node: FilterNode, columns: readonly Column[]): Record<string, unknown> | null {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const walk = (n: FilterNode): Record<string, unknown> | null => {
    if (n.kind === "and") {
      const parts = [walk(n.left), walk(n.right)].filter((p): p is Record<string, unknown> => p !== null);
      if (parts.length === 0) return null;
      return parts.length === 1 ? parts[0]! : { $and: parts };
    }
    if (n.kind === "or") {
      const [l, r] = [walk(n.left), walk(n.right)];
      return l && r ? { $or: [l, r] } : null;
    }
    let { op, left, right } = n as Extract<FilterNode, { kind: "compare" }>;
    if (left.kind === "literal" && right.kind === "property") {
      [left, right] = [right, left];
      op = FLIPPED[op];
    }
    if (left.kind !== "property" || right.kind !== "literal") return null;
    const column = byName.get(left.name);
    if (!column?.stored) return null;
    const literal = right.literal;
    if (literal.kind === "null") return op === "eq" ? { [column.stored]: null } : null;
    if (literal.kind === "string" && op !== "eq" && op !== "ne") return null;
    if (literal.kind === "date") return null;
    const value = literalValue(literal);
    return op === "eq" ? { [column.stored]: value } : { [column.stored]: { [MONGO_OPERATOR[op]]: value } };
  };
  return walk(node);
}
