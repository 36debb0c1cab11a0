import type { ConnectorContext, ConnectorDefinition, IntegrationMeta, RateLimitPolicy } from "../../core/integrations/contract.js";
import { defaultRateLimit } from "../../core/integrations/contract.js";
import type { z } from "zod";
import { DEFAULT_DEADLINE_MS } from "../connectors/context.js";
import { configError } from "../connectors/errors.js";
import { type SqlRows, singleNumericCell } from "./singleNumber.js";

/**
 * The shared mechanism of the SQL-style connectors: each connector folder supplies its metadata,
 * its schemas and an engine (how to run one query read-only on its driver, and how to describe the
 * server); this turns them into a ConnectorDefinition with the same guards and messages everywhere:
 * the query is checked before it is sent, runs under the connection's statement timeout (capped
 * by the call's deadline), fetches at most 2 rows, and must come back as exactly one number.
 */
export interface RunLimits {
  /** Server-side statement timeout to set for this run. */
  timeoutMs: number;
  /** Rows to fetch at most (2: enough to tell "more than one"). */
  maxRows: number;
}

export interface SqlEngine<Config, Secrets, Source> {
  /** The product's name in messages ("PostgreSQL", "Amazon Redshift"). */
  engine: string;
  /** Why this source must not be sent, or null (e.g. readOnlyQueryProblem for its dialect). */
  sourceProblem(source: Source): string | null;
  /** Runs the source's query once, read-only, under the limits; throws typed ConnectorErrors. */
  run(ctx: ConnectorContext<Config, Secrets>, source: Source, limits: RunLimits): Promise<SqlRows>;
  /** One line about the server for Test connection, e.g. "PostgreSQL 15.18 on x86_64-pc-linux-gnu". */
  describeServer(ctx: ConnectorContext<Config, Secrets>, limits: RunLimits): Promise<string>;
  /** Where the connection points, for messages ("db.example.com:5432/shop"). */
  where(config: Config): string;
  /** Who it connects as, for messages. */
  who(config: Config): string;
}

type TimedConfig = { statementTimeoutSeconds: number; connectTimeoutSeconds?: number };

export interface SqlConnectorSpec<Config extends TimedConfig, Secrets, Source> {
  meta: Omit<IntegrationMeta, "mode" | "type">;
  schemas: { connectionConfig: z.ZodType<Config>; secrets: z.ZodType<Secrets>; sourceConfig: z.ZodType<Source> };
  engine: SqlEngine<Config, Secrets, Source>;
  rateLimit?: Partial<RateLimitPolicy>;
}

/** Half a second under the call's deadline, so the server cancels the query before Pacer gives up on it. */
const DEADLINE_MARGIN_MS = 500;

export function runLimits(ctx: ConnectorContext<{ statementTimeoutSeconds: number }, unknown>): RunLimits {
  const configured = ctx.config.statementTimeoutSeconds * 1000;
  const left = ctx.deadlineAt - Date.now() - DEADLINE_MARGIN_MS;
  return { timeoutMs: Math.max(1_000, Math.min(configured, left)), maxRows: 2 };
}

/** Connect, then the statement timeout, then slack to roll back and report: the server, not Pacer, ends a slow query. */
export function sqlCallDeadlineMs(config: TimedConfig): number {
  return Math.max(DEFAULT_DEADLINE_MS, ((config.connectTimeoutSeconds ?? 10) + config.statementTimeoutSeconds) * 1000 + 5_000);
}

export function defineSqlConnector<Config extends TimedConfig, Secrets, Source>(
  spec: SqlConnectorSpec<Config, Secrets, Source>,
): ConnectorDefinition<Config, Secrets, Source> {
  const { engine } = spec;
  return {
    ...spec.meta,
    type: "data",
    mode: "pull",
    schemas: spec.schemas,
    callDeadlineMs: sqlCallDeadlineMs,
    // Databases take a few queries at once from one login well; the org limit applies on top.
    rateLimit: { ...defaultRateLimit, maxConcurrentPerConnection: 4, maxAttempts: 2, baseDelayMs: 2_000, ...spec.rateLimit },

    async testConnection(ctx) {
      const server = await engine.describeServer(ctx, runLimits(ctx));
      return {
        message: `Connected to ${engine.engine} at ${engine.where(ctx.config)} as ${engine.who(ctx.config)} (${server}). Queries run read-only with a ${ctx.config.statementTimeoutSeconds} s statement timeout.`,
      };
    },

    async fetchValue(ctx, source) {
      const problem = engine.sourceProblem(source);
      if (problem) throw configError(problem);
      const started = performance.now();
      const rows = await engine.run(ctx, source, runLimits(ctx));
      const { value, exact } = singleNumericCell(rows);
      const took = `read-only query on ${engine.engine} took ${Math.round(performance.now() - started)} ms`;
      return { value, details: exact ? `Exact value ${exact}; ${took}` : `The ${took}`, asOf: new Date() };
    },
  };
}
