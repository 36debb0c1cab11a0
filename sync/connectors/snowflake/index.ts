import { configError } from "../errors.js";
import { defineSqlConnector } from "../../sql/defineSqlConnector.js";
import { sqlQuerySource, type SqlQuerySource } from "../../sql/connectionFields.js";
import { readOnlyQueryProblem } from "../../sql/statement.js";
import { type SnowflakeConfig, type SnowflakeSecrets, signInProblem, snowflakeConfig, snowflakeSecrets } from "./config.js";
import { type SnowflakeContext, accessUrl, runStatement } from "./session.js";

/**
 * Snowflake: one SQL query per key result returning one number. Snowflake has no read-only
 * transaction, so the guards are: the kit's single-SELECT check before sending, Snowflake's own
 * MULTI_STATEMENT_COUNT = 1, and a role with only USAGE and SELECT (the README's setup).
 */
function signedIn(ctx: SnowflakeContext): SnowflakeContext {
  const problem = signInProblem(ctx.config, ctx.secrets);
  if (problem) throw configError(problem);
  return ctx;
}

export default defineSqlConnector<SnowflakeConfig, SnowflakeSecrets, SqlQuerySource>({
  meta: {
    id: "snowflake",
    displayName: "Snowflake",
    description: "Run a read-only SQL query (one row, one number) in your Snowflake account, with a role that may only read.",
    icon:
      "data:image/svg+xml;base64," +
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#29b5e8"/><g stroke="#fff" stroke-width="2.6" stroke-linecap="round"><path d="M16 5v22M6.5 10.5l19 11M6.5 21.5l19-11"/></g><circle cx="16" cy="16" r="3" fill="#29b5e8" stroke="#fff" stroke-width="2"/></svg>',
      ).toString("base64"),
    category: "third-party",
    termsUrl: "https://www.snowflake.com/en/legal/",
    docsUrl: "https://github.com/pacer-okr/pacer#snowflake",
  },
  schemas: { connectionConfig: snowflakeConfig, secrets: snowflakeSecrets, sourceConfig: sqlQuerySource },
  engine: {
    engine: "Snowflake",
    sourceProblem: (source) => readOnlyQueryProblem(source.query, "snowflake"),
    run: (ctx, source, limits) => runStatement(signedIn(ctx), source.query, limits),
    async describeServer(ctx, limits) {
      const { rows } = await runStatement(signedIn(ctx), "SELECT CURRENT_VERSION()", limits);
      return `Snowflake ${String(rows[0]?.[0] ?? "?")}, warehouse ${ctx.config.warehouse}, role ${ctx.config.role}`;
    },
    where: (config) => `${accessUrl(config)} (database ${config.database}${config.schema ? `.${config.schema}` : ""})`,
    who: (config) => `${config.user}${config.authentication === "keyPair" ? " (key pair)" : ""}`,
  },
  // Snowflake queues queries on a busy warehouse rather than refusing them; stay modest anyway.
  rateLimit: { maxConcurrentPerConnection: 4 },
});
