/**
 * Decides whether a SQL text is one read-only query before it is sent. This is the first of three
 * guards (then a read-only transaction or session, then the least-privilege login the README asks
 * for): it refuses what the other two may not catch, such as a second statement riding after a `;`.
 *
 * The scanner blanks comments, string literals and quoted identifiers (per dialect) so a `;` or a
 * keyword inside them does not count.
 */
export type SqlDialect = "postgres" | "mysql" | "tsql" | "snowflake";

interface Rules {
  hashComments: boolean; // MySQL `# …`
  slashComments: boolean; // Snowflake `// …`
  nestedBlockComments: boolean; // PostgreSQL and T-SQL nest /* /* */ */
  backslashEscapes: boolean; // MySQL and Snowflake strings; PostgreSQL only in E'…'
  dollarQuotes: boolean; // PostgreSQL $tag$…$tag$, Snowflake $$…$$
  brackets: boolean; // T-SQL [identifier]
  backticks: boolean; // MySQL `identifier`
}

const RULES: Record<SqlDialect, Rules> = {
  postgres: { hashComments: false, slashComments: false, nestedBlockComments: true, backslashEscapes: false, dollarQuotes: true, brackets: false, backticks: false },
  mysql: { hashComments: true, slashComments: false, nestedBlockComments: false, backslashEscapes: true, dollarQuotes: false, brackets: false, backticks: true },
  tsql: { hashComments: false, slashComments: false, nestedBlockComments: true, backslashEscapes: false, dollarQuotes: false, brackets: true, backticks: false },
  snowflake: { hashComments: false, slashComments: true, nestedBlockComments: false, backslashEscapes: true, dollarQuotes: true, brackets: false, backticks: false },
};

/** A query text that cannot be read (an unterminated string or comment); its message is for people. */
export class SqlTextError extends Error {}

/**
 * The text with the spans `spanEnd` recognises blanked to spaces (line breaks kept, same length,
 * so positions hold). `spanEnd(i)` answers where a comment, literal or quoted name starting at `i`
 * ends, or null when none starts there. Shared by the SQL dialects and KQL.
 */
export function blankSpans(text: string, spanEnd: (i: number) => number | null): string {
  const out = text.split("");
  let i = 0;
  while (i < text.length) {
    const end = spanEnd(i);
    if (end === null) {
      i += 1;
      continue;
    }
    for (let k = i; k < end; k++) if (out[k] !== "\n") out[k] = " ";
    i = end;
  }
  return out.join("");
}

/** The text with comments, literals and quoted identifiers replaced by spaces (same length, so positions hold). */
export function maskSql(text: string, dialect: SqlDialect): string {
  const rules = RULES[dialect];
  return blankSpans(text, (i) => {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "-" && next === "-" && (dialect !== "mysql" || /[\s]/.test(text[i + 2] ?? " "))) return lineEnd(text, i);
    if ((c === "#" && rules.hashComments) || (c === "/" && next === "/" && rules.slashComments)) return lineEnd(text, i);
    if (c === "/" && next === "*") return blockCommentEnd(text, i, rules.nestedBlockComments);
    if (c === "'") {
      const escapes = rules.backslashEscapes || (dialect === "postgres" && /[eE]/.test(text[i - 1] ?? "") && !/\w/.test(text[i - 2] ?? ""));
      return quotedEnd(text, i, "'", escapes, "a string");
    }
    if (c === '"') return quotedEnd(text, i, '"', dialect === "mysql", "a quoted name");
    if (c === "`" && rules.backticks) return quotedEnd(text, i, "`", false, "a quoted name");
    if (c === "[" && rules.brackets) return quotedEnd(text, i, "]", false, "a [bracketed] name");
    if (c === "$" && rules.dollarQuotes && !/[\w$]/.test(text[i - 1] ?? "")) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text.slice(i))?.[0];
      if (!tag) return null;
      const close = text.indexOf(tag, i + tag.length);
      if (close < 0) throw new SqlTextError(`The query has an unterminated ${tag}…${tag} string.`);
      return close + tag.length;
    }
    return null;
  });
}

/** Where a line comment starting at `i` ends (the line break stays). */
export function lineEnd(text: string, i: number): number {
  const nl = text.indexOf("\n", i);
  return nl < 0 ? text.length : nl;
}

function blockCommentEnd(text: string, i: number, nested: boolean): number {
  let depth = 0;
  let k = i;
  while (k < text.length) {
    if (text[k] === "/" && text[k + 1] === "*" && (nested || depth === 0)) {
      depth += 1;
      k += 2;
    } else if (text[k] === "*" && text[k + 1] === "/") {
      depth -= 1;
      k += 2;
      if (depth === 0) return k;
    } else k += 1;
  }
  throw new SqlTextError("The query has an unterminated /* comment.");
}

function quotedEnd(text: string, i: number, close: string, backslash: boolean, what: string): number {
  let k = i + 1;
  while (k < text.length) {
    const c = text[k];
    if (backslash && c === "\\") k += 2;
    else if (c === close) {
      if (text[k + 1] === close) k += 2; // doubled quote = a literal quote
      else return k + 1;
    } else k += 1;
  }
  throw new SqlTextError(`The query has ${what} that is never closed (from position ${i + 1}).`);
}

/** 1-based line and column of an offset, for messages people can find in their editor. */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/**
 * Why `text` is not a single read-only query, or null. Accepted: one SELECT or WITH … SELECT
 * (optionally in parentheses), one trailing `;` at most.
 */
export function readOnlyQueryProblem(text: string, dialect: SqlDialect): string | null {
  let masked: string;
  try {
    masked = maskSql(text, dialect);
  } catch (error) {
    if (error instanceof SqlTextError) return error.message;
    throw error;
  }
  const body = masked.replace(/[\s;]+$/, "");
  if (body.trim() === "") return "The query is empty.";
  const semicolon = body.indexOf(";");
  if (semicolon >= 0) {
    return `The query holds more than one statement (a ";" at ${lineAndColumn(text, semicolon)}); Pacer runs exactly one SELECT.`;
  }
  const first = /^[\s(]*([A-Za-z]+)/.exec(body)?.[1]?.toUpperCase();
  if (first !== "SELECT" && first !== "WITH") {
    return `The query starts with ${first ?? JSON.stringify(body.trim().slice(0, 10))}; Pacer only runs a read-only SELECT (or WITH … SELECT) that returns one number.`;
  }
  if (dialect === "mysql" && /\bINTO\s+(OUTFILE|DUMPFILE)\b/i.test(body)) return "The query writes a file (INTO OUTFILE/DUMPFILE); Pacer only reads.";
  return null;
}
