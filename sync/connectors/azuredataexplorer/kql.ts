import { blankSpans, lineAndColumn, lineEnd, SqlTextError } from "../../sql/statement.js";

/**
 * Decides whether a KQL text is one read-only query before it is sent. KQL's normal shape is
 * `let` statements ended by `;` and then one tabular expression, so the SQL rule (no `;`) does not
 * apply; instead every statement but the last must be a `let` (or `declare query_parameters`),
 * and the last must be the query. Refused outright: control commands (a leading `.`, e.g.
 * `.drop table`), `set` statements (they change request properties such as the read-only flag),
 * and the callout plugins that reach other systems (`sql_request`, `http_request`, …). The
 * request also carries `request_readonly`, so Kusto refuses writes itself.
 */
const CALLOUTS = /\b(sql_request|mysql_request|postgresql_request|cosmosdb_sql_request|http_request|http_request_post|azure_digital_twins_query_request|ai_embeddings|ai_chat_completion)\b/i;

/** The text with comments and string literals blanked (same length, so positions hold). */
export function maskKql(text: string): string {
  return blankSpans(text, (i) => {
    const c = text[i]!;
    if (c === "/" && text[i + 1] === "/") return lineEnd(text, i);
    if (text.startsWith("```", i)) {
      const close = text.indexOf("```", i + 3);
      if (close < 0) throw new SqlTextError("The query has a ``` string that is never closed.");
      return close + 3;
    }
    if ((c === "@" || c === "h" || c === "H") && (text[i + 1] === "'" || text[i + 1] === '"') && !/\w/.test(text[i - 1] ?? "")) return stringEnd(text, i + 1, c === "@");
    if (c === "'" || c === '"') return stringEnd(text, i, false);
    return null;
  });
}

function stringEnd(text: string, quoteAt: number, verbatim: boolean): number {
  const quote = text[quoteAt];
  let k = quoteAt + 1;
  while (k < text.length) {
    const c = text[k];
    if (!verbatim && c === "\\") k += 2;
    else if (c === quote) {
      if (verbatim && text[k + 1] === quote) k += 2;
      else return k + 1;
    } else if (c === "\n" && !verbatim) break;
    else k += 1;
  }
  throw new SqlTextError(`The query has a string that is never closed (from ${lineAndColumn(text, quoteAt)}).`);
}

/** Why `text` is not one read-only KQL query, or null. */
export function kqlQueryProblem(text: string): string | null {
  let masked: string;
  try {
    masked = maskKql(text);
  } catch (error) {
    if (error instanceof SqlTextError) return error.message;
    throw error;
  }
  if (masked.trim() === "") return "The query is empty.";
  if (masked.trimStart().startsWith(".")) {
    return "The text is a Kusto control command (it starts with a dot); Pacer only runs a read-only query that returns one number.";
  }
  const statements: Array<{ text: string; at: number }> = [];
  let from = 0;
  for (let i = 0; i <= masked.length; i++) {
    if (i === masked.length || masked[i] === ";") {
      if (masked.slice(from, i).trim() !== "") statements.push({ text: masked.slice(from, i), at: from + (masked.slice(from, i).length - masked.slice(from, i).trimStart().length) });
      from = i + 1;
    }
  }
  const keyword = (s: { text: string }) => /^\s*([A-Za-z_]+)/.exec(s.text)?.[1]?.toLowerCase() ?? "";
  for (const statement of statements) {
    if (keyword(statement) === "set") return `The query has a set statement (at ${lineAndColumn(text, statement.at)}); request options are Pacer's to choose.`;
    if (statement.text.trimStart().startsWith(".")) return `The query holds a control command (at ${lineAndColumn(text, statement.at)}); Pacer only runs a read-only query.`;
  }
  const last = statements[statements.length - 1]!;
  for (const statement of statements.slice(0, -1)) {
    if (!["let", "declare"].includes(keyword(statement))) {
      return `The query holds more than one query statement (the one at ${lineAndColumn(text, statement.at)} is not a let); Pacer runs let statements and then exactly one query.`;
    }
  }
  if (["let", "declare"].includes(keyword(last))) return "The query ends with a let statement; add the query that returns the number after it.";
  const callout = CALLOUTS.exec(masked);
  if (callout) return `The query calls ${callout[1]}, which reaches outside this cluster; Pacer only runs queries on the cluster's own data.`;
  return null;
}
