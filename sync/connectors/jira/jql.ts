/**
 * Pure JQL helpers. Pacer never parses JQL beyond finding a top-level ORDER BY: Jira validates
 * the rest and answers 400 with its own message, which the connector quotes.
 * JQL syntax (quoting, escaping, ORDER BY): https://support.atlassian.com/jira-software-cloud/docs/use-advanced-search-with-jira-query-language-jql/
 */

/** Index of the first `ORDER BY` outside quoted strings, or -1. */
function orderByIndex(jql: string): number {
  let quote: string | null = null;
  for (let i = 0; i < jql.length; i += 1) {
    const c = jql[i]!;
    if (quote) {
      if (c === "\\") i += 1;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    if ((c === "o" || c === "O") && (i === 0 || /[\s)]/.test(jql[i - 1]!)) && /^order\s+by\b/i.test(jql.slice(i))) return i;
  }
  return -1;
}

/** The JQL without its ORDER BY clause (a count cannot be combined with one), trimmed. */
export function withoutOrderBy(jql: string): string {
  const at = orderByIndex(jql);
  return (at < 0 ? jql : jql.slice(0, at)).trim();
}

/** A JQL string literal: double-quoted, with `"` and `\` escaped. */
export const jqlString = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * The JQL that counts: the user's query (ORDER BY removed) in parentheses, so its own ORs stay
 * inside, then the optional issue type and the Done category.
 */
export function countJql(jql: string, options: { issueType?: string | undefined; done?: boolean } = {}): string {
  const parts = [`(${withoutOrderBy(jql)})`];
  if (options.issueType) parts.push(`issuetype = ${jqlString(options.issueType)}`);
  if (options.done) parts.push("statusCategory = Done");
  return parts.join(" AND ");
}
