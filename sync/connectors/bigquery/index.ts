import { z } from "zod";
import type { ConnectorContext, ConnectorDefinition } from "../../../core/integrations/contract.js";
import { defaultRateLimit } from "../../../core/integrations/contract.js";
import { DEFAULT_DEADLINE_MS } from "../context.js";
import { configError } from "../errors.js";
import { type BigQueryConnection, BigQueryCalls, keyProblem } from "./client.js";
import { checkSchema, formatBytes, refusedStatement, singleNumber } from "./result.js";

/**
 * BigQuery: one standard-SQL query per key result, which must return exactly one row with one
 * numeric column. Connection = project id, optional location and Private Service Connect endpoint,
 * per-query byte limit and timeout, and a service-account key (sealed) or Pacer's ambient Google
 * credentials (only when the operator sets PACER_BIGQUERY_ALLOW_AMBIENT=1).
 *
 * Every fetch first dry-runs the SQL (free): anything but a single SELECT is refused, a result
 * schema that is not one numeric column is a result-shape error, and a query that would scan more
 * than the connection's limit is refused before it runs. The real run then carries
 * `maximumBytesBilled` and `jobTimeoutMs`, so BigQuery enforces both too. Exact INT64/NUMERIC/
 * BIGNUMERIC values that a double cannot hold are kept, as text, in `details`.
 */
const GB = 1_000_000_000;

const config = z
  .object({
    projectId: z
      .string()
      .trim()
      .regex(/^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a project id such as analytics-prod-123 (not the project's name or number)")
      .describe("the Google Cloud project that runs (and pays for) the queries"),
    location: z
      .string()
      .trim()
      .regex(/^[A-Za-z]+(-[a-z]+\d*)*$/, "a BigQuery location such as US, EU or europe-west1")
      .max(40)
      .optional()
      .describe("where the datasets live; leave empty to let BigQuery find out"),
    credentials: z.enum(["serviceAccountKey", "ambient"]).default("serviceAccountKey").describe("a service-account key, or Pacer's own Google identity on Google Cloud"),
    apiEndpoint: z
      .string()
      .trim()
      .url()
      .refine((u) => /^https?:\/\/[^/]+\/?$/i.test(u), "an http(s) address without a path, e.g. https://bigquery-pscname.p.googleapis.com")
      .optional()
      .describe("Private Service Connect endpoint; leave empty for https://bigquery.googleapis.com"),
    maximumBytesBilled: z
      .number()
      .int()
      .min(10_000_000, "at least 10 MB (BigQuery's minimum bill per query)")
      .max(1_000_000_000_000_000)
      .default(GB)
      .describe("bytes one query may bill at most (default 1 GB); bigger queries fail instead of costing money"),
    timeoutSeconds: z.number().int().min(1).max(600).default(25).describe("how long one query may run"),
  })
  .strict();

const secrets = z
  .object({
    serviceAccountKey: z
      .string()
      .trim()
      .max(20_000)
      .superRefine((text, check) => {
        const problem = keyProblem(text);
        if (problem) check.addIssue({ code: "custom", message: `the key ${problem}` });
      })
      .optional()
      .describe("the service account's JSON key file, pasted whole; stored encrypted"),
  })
  .strict();

const source = z
  .object({
    query: z.string().trim().min(1).max(100_000).describe("standard SQL returning one row with one numeric column, e.g. SELECT COUNT(*) FROM `shop.orders`"),
  })
  .strict();

type Config = z.infer<typeof config>;
type Secrets = z.infer<typeof secrets>;
type Source = z.infer<typeof source>;

function calls(ctx: ConnectorContext<Config, Secrets>): BigQueryCalls {
  const connection: BigQueryConnection = { ...ctx.config, serviceAccountKey: ctx.secrets.serviceAccountKey };
  return new BigQueryCalls(connection, ctx.signal);
}

const bigquery: ConnectorDefinition<Config, Secrets, Source> = {
  id: "bigquery",
  displayName: "Google BigQuery",
  description: "Run a standard-SQL query (one row, one number) in your BigQuery project, with a per-query byte limit.",
  icon:
    "data:image/svg+xml;base64," +
    Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#4386fa"/><circle cx="14.5" cy="14.5" r="7" fill="none" stroke="#fff" stroke-width="2.5"/><path d="M19.5 19.5 25 25" stroke="#fff" stroke-width="3" stroke-linecap="round"/><path d="M11.5 17v-3M14.5 17v-5M17.5 17v-2" stroke="#fff" stroke-width="1.8"/></svg>',
    ).toString("base64"),
  type: "data",
  category: "third-party",
  termsUrl: "https://cloud.google.com/terms",
  docsUrl: "https://github.com/pacer-okr/pacer#bigquery",
  mode: "pull",
  schemas: { connectionConfig: config, secrets, sourceConfig: source },
  // The job timeout, plus the token exchange and the dry run before it.
  callDeadlineMs: (c) => Math.max(DEFAULT_DEADLINE_MS, c.timeoutSeconds * 1000 + 15_000),
  // BigQuery allows many concurrent queries per project, but each costs money: stay modest.
  // A 429/quotaExceeded without Retry-After waits a minute; 5xx is retried twice with backoff.
  rateLimit: { ...defaultRateLimit, maxConcurrentPerConnection: 2, maxAttempts: 3, baseDelayMs: 1_000, defaultRetryAfterMs: 60_000 },

  async testConnection(ctx) {
    const bq = calls(ctx);
    await bq.dryRun("SELECT 1");
    const who = bq.errors.principal ? `as ${bq.errors.principal}` : "with Pacer's ambient Google credentials";
    const where = ctx.config.location ? ` (location ${ctx.config.location})` : "";
    return {
      message: `Connected to BigQuery project ${ctx.config.projectId}${where} ${who}: a dry run of SELECT 1 succeeded. Each query may bill up to ${formatBytes(ctx.config.maximumBytesBilled)}.`,
    };
  },

  async fetchValue(ctx, src) {
    const bq = calls(ctx);
    const dry = await bq.dryRun(src.query);
    const refused = refusedStatement(dry.statementType);
    if (refused) throw configError(refused);
    if (dry.fields) checkSchema(dry.fields);
    if (dry.totalBytesProcessed > ctx.config.maximumBytesBilled) {
      throw configError(
        `The query would scan ${formatBytes(dry.totalBytesProcessed)}, over this connection's limit of ${formatBytes(ctx.config.maximumBytesBilled)}. Narrow it (filter on the partition column, select fewer columns) or ask an admin to raise the limit.`,
      );
    }
    const result = await bq.run(src.query);
    const { value, exact } = singleNumber(result);
    const limit = formatBytes(ctx.config.maximumBytesBilled);
    const processed = Number(result.totalBytesProcessed ?? dry.totalBytesProcessed);
    const billed = Number(result.totalBytesBilled ?? processed);
    const cost = result.cacheHit
      ? `would scan ${formatBytes(dry.totalBytesProcessed)} (limit ${limit}); answered from BigQuery's cache, nothing billed`
      : `would scan ${formatBytes(dry.totalBytesProcessed)} (limit ${limit}); scanned ${formatBytes(processed)}, billed ${formatBytes(billed)}`;
    return { value, details: exact ? `Exact value ${exact}; ${cost}` : `Dry run ${cost}`, asOf: new Date() };
  },
};

export default bigquery;
