import { badRequest, notImplemented } from "../errors/appError.js";
import type { Column, Row, RowValue } from "./columns.js";
import { type FilterNode, matches, parseFilter } from "./filter.js";

/**
 * OData system query options for an entity set: `$select`, `$filter`, `$orderby`, `$top`,
 * `$skip`, `$count` (and `$format=json`). Any other `$` option, such as `$expand`, `$apply`,
 * `$search` or `$compute`, is 501 `not_implemented`; other parameters (e.g. the API key) are
 * not OData's and are ignored here.
 */
export interface QueryOptions {
  select: string[] | null;
  filter: FilterNode | null;
  orderBy: Array<{ name: string; descending: boolean }>;
  top: number | null;
  skip: number;
  count: boolean;
}

const SUPPORTED = new Set(["$select", "$filter", "$orderby", "$top", "$skip", "$count", "$format"]);

const invalid = (option: string, message: string) => badRequest(`${option} is invalid: ${message}`, [{ path: option, message }]);

function nonNegativeInteger(option: string, value: string): number {
  if (!/^\d{1,9}$/.test(value.trim())) throw invalid(option, "must be a non-negative integer");
  return Number(value.trim());
}

export function parseQueryOptions(params: Readonly<Record<string, string | undefined>>, columns: readonly Column[]): QueryOptions {
  for (const key of Object.keys(params)) {
    if (key.startsWith("$") && !SUPPORTED.has(key)) {
      throw notImplemented(`The OData option ${key} is not supported by Pacer's feed. Supported: $select, $filter, $orderby, $top, $skip, $count.`);
    }
  }
  const names = new Set(columns.map((c) => c.name));
  const format = params.$format?.trim();
  if (format !== undefined && !/^(json|application\/json(;.*)?)$/i.test(format)) {
    throw notImplemented(`$format=${format} is not supported; the feed answers JSON only.`);
  }

  let select: string[] | null = null;
  if (params.$select !== undefined) {
    const items = params.$select.split(",").map((s) => s.trim());
    if (items.some((s) => s.includes("/") || s.includes("("))) throw notImplemented("$select of paths, navigation or functions is not supported.");
    if (!items.includes("*")) {
      for (const item of items) if (!names.has(item)) throw invalid("$select", `'${item}' is not a column of this entity set`);
      select = [...new Set(items)];
    }
  }

  const orderBy: QueryOptions["orderBy"] = [];
  if (params.$orderby !== undefined) {
    for (const part of params.$orderby.split(",")) {
      const match = /^\s*([A-Za-z_]\w*)(?:\s+(asc|desc))?\s*$/.exec(part);
      if (!match) {
        if (/[(/]/.test(part)) throw notImplemented("$orderby on expressions, paths or functions is not supported; order by columns.");
        throw invalid("$orderby", `'${part.trim()}' is not 'Column [asc|desc]'`);
      }
      if (!names.has(match[1]!)) throw invalid("$orderby", `'${match[1]}' is not a column of this entity set`);
      orderBy.push({ name: match[1]!, descending: match[2] === "desc" });
    }
  }

  let count = false;
  if (params.$count !== undefined) {
    if (params.$count !== "true" && params.$count !== "false") throw invalid("$count", "must be true or false");
    count = params.$count === "true";
  }

  return {
    select,
    filter: params.$filter !== undefined ? parseFilter(params.$filter, columns) : null,
    orderBy,
    top: params.$top !== undefined ? nonNegativeInteger("$top", params.$top) : null,
    skip: params.$skip !== undefined ? nonNegativeInteger("$skip", params.$skip) : 0,
    count,
  };
}

/** OData ordering: null sorts before any value; strings ordinally. */
function compare(a: RowValue, b: RowValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface Window {
  rows: Row[];
  /** Rows matching the filter, before `$skip` / `$top` (for `$count`). */
  total: number;
  /** The `$skip` of the next page, or null on the last one. */
  nextSkip: number | null;
}

/**
 * Applies filter, a stable order (the requested one, then the key columns), skip, top and the
 * server's page size. The filter runs on every row even when part of it was pushed to the store.
 */
export function applyOptions(rows: readonly Row[], options: QueryOptions, keys: readonly string[], pageSize: number): Window {
  const filtered = options.filter ? rows.filter((row) => matches(options.filter!, row)) : [...rows];
  const order = [...options.orderBy, ...keys.filter((k) => !options.orderBy.some((o) => o.name === k)).map((name) => ({ name, descending: false }))];
  filtered.sort((a, b) => {
    for (const { name, descending } of order) {
      const c = compare(a[name] ?? null, b[name] ?? null);
      if (c !== 0) return descending ? -c : c;
    }
    return 0;
  });
  const end = options.top === null ? filtered.length : Math.min(filtered.length, options.skip + options.top);
  const pageEnd = Math.min(end, options.skip + pageSize);
  const page = filtered.slice(options.skip, pageEnd);
  return { rows: page, total: filtered.length, nextSkip: pageEnd < end ? pageEnd : null };
}

export function project(row: Row, select: readonly string[] | null, columns: readonly Column[]): Row {
  const out: Row = {};
  for (const column of columns) if (!select || select.includes(column.name)) out[column.name] = row[column.name] ?? null;
  return out;
}
