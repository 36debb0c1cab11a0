import pg from "pg";
import type { ConnectorContext } from "../../core/integrations/contract.js";
import type { RunLimits, SqlEngine } from "./defineSqlConnector.js";
import { type PasswordSecrets, type SqlQuerySource, type SqlServerConfig, tlsOptions } from "./connectionFields.js";
import { IdlePools, poolKey } from "./idlePools.js";
import { pgError, type PgErrorContext } from "./pgErrors.js";
import { sqlErrorContext } from "./sqlErrors.js";
import type { SqlRows } from "./singleNumber.js";
import { readOnlyQueryProblem } from "./statement.js";

/**
 * Running one query on the PostgreSQL wire protocol with `pg`, for PostgreSQL itself and Amazon
 * Redshift. Each run borrows a client from the connection's pool and sends:
 *
 *   BEGIN READ ONLY; SET LOCAL statement_timeout = <ms>; <query, fetching at most 2 rows>; ROLLBACK
 *
 * The query goes through the extended protocol as one Parse/Bind/Execute with a row limit: the
 * server refuses more than one command in a Parse (a second guard behind the text check), the
 * text is sent exactly as typed (so the server's error positions point into it), and Execute
 * stops after the limit: the server suspends the portal instead of producing the rest, and the
 * ROLLBACK closes it. (Wrapping it in `SELECT … LIMIT 2` would change column names and error
 * positions and refuse some valid queries.)
 */
export type PgConfig = SqlServerConfig;

type Connection = Parameters<pg.Query["submit"]>[0] & { sync(): void };
interface QueryInternals {
  handleError(error: unknown, connection: Connection): void;
}
const baseQuery = pg.Query.prototype as unknown as QueryInternals;

/** A pg Query that reads only its first `rows` rows, then ends the exchange with a Sync. */
class FirstRowsQuery extends pg.Query {
  handlePortalSuspended(connection: Connection) {
    connection.sync();
  }

  // With a row limit pg waits for a Sync of its own; after a server error none comes, so send it.
  handleError(error: unknown, connection: Connection) {
    if (error instanceof pg.DatabaseError) connection.sync();
    baseQuery.handleError.call(this, error, connection);
  }
}

interface FirstRowsResult {
  fields: pg.FieldDef[];
  rows: unknown[][];
}

function firstRows(client: pg.PoolClient, text: string, rows: number, readTimeoutMs: number): Promise<FirstRowsResult> {
  return new Promise((resolve, reject) => {
    const query = new FirstRowsQuery({ text, rowMode: "array", rows, query_timeout: readTimeoutMs } as pg.QueryConfig, (error, result) =>
      error ? reject(error) : resolve(result as unknown as FirstRowsResult),
    );
    client.query(query);
  });
}

// int2, int4, int8, oid-free numerics: float4, float8, numeric. (money prints with a currency sign.)
const NUMERIC_TYPES = new Set([21, 23, 20, 700, 701, 1700]);
const TYPE_NAMES = new Map<number, string>(Object.entries(pg.types.builtins).map(([name, oid]) => [oid as number, name.toLowerCase()]));
const typeName = (oid: number) => TYPE_NAMES.get(oid) ?? `a type with OID ${oid}`;

// int8 and numeric stay text whatever the process-wide pg.types say, so their exact digits survive.
const exactTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20 || oid === 1700 ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PgEngineOptions {
  engine: string;
  /** Pools per connection; tests pass one with a short idle time. */
  pools?: IdlePools<pg.Pool>;
  /** The one line Test connection shows, from `SELECT version()`. */
  serverLine?: (version: string) => string;
}

const READ_TIMEOUT_MARGIN_MS = 2_000;
const sharedPools = new IdlePools<pg.Pool>((pool) => pool.end());

/** "PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc …" → up to "compiled by". */
export const postgresServerLine = (version: string) => version.split(", compiled by")[0]!.trim();

export function pgEngine(options: PgEngineOptions): SqlEngine<PgConfig, PasswordSecrets, SqlQuerySource> {
  const { engine } = options;
  const pools = options.pools ?? sharedPools;
  const where = (config: PgConfig) => `${config.host}:${config.port}/${config.database}`;

  function openPool(ctx: ConnectorContext<PgConfig, PasswordSecrets>): pg.Pool {
    const { config } = ctx;
    const pool = new pg.Pool({
      host: config.host,
      port: config.port,
      database: config.database,
      user: config.user,
      password: ctx.secrets.password,
      ssl: tlsOptions(config),
      connectionTimeoutMillis: config.connectTimeoutSeconds * 1000,
      application_name: "Pacer",
      types: exactTypes,
      max: 4,
      idleTimeoutMillis: 60_000,
      allowExitOnIdle: true,
    });
    // An idle client whose server went away must not crash the process; the next run reconnects.
    pool.on("error", (error) => ctx.log.warn({ err: error.message, engine }, "idle database connection failed"));
    return pool;
  }

  async function inReadOnlyTransaction<T>(
    ctx: ConnectorContext<PgConfig, PasswordSecrets>,
    limits: RunLimits,
    query: string | undefined,
    fn: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const { config } = ctx;
    const errorContext: PgErrorContext = { ...sqlErrorContext(engine, where(config), config, limits.timeoutMs), query };
    try {
      return await pools.use(poolKey(engine, config, ctx.secrets), () => openPool(ctx), async (pool) => {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          await client.query("BEGIN READ ONLY");
          await client.query(`SET LOCAL statement_timeout = ${Math.round(limits.timeoutMs)}`);
          return await fn(client);
        } catch (error) {
          if (!(error instanceof pg.DatabaseError)) broken = error as Error;
          throw error;
        } finally {
          // Always roll back; a client whose connection failed is thrown away rather than reused.
          if (!broken) await client.query("ROLLBACK").catch((error: Error) => void (broken = error));
          client.release(broken ?? false);
        }
      });
    } catch (error) {
      throw pgError(error, errorContext);
    }
  }

  return {
    engine,
    sourceProblem: (source) => readOnlyQueryProblem(source.query, "postgres"),
    where,
    who: (config) => config.user,

    async run(ctx, source, limits): Promise<SqlRows> {
      return inReadOnlyTransaction(ctx, limits, source.query, async (client) => {
        const result = await firstRows(client, source.query, limits.maxRows, limits.timeoutMs + READ_TIMEOUT_MARGIN_MS);
        return {
          columns: result.fields.map((field) => ({ name: field.name, typeName: typeName(field.dataTypeID), numeric: NUMERIC_TYPES.has(field.dataTypeID) })),
          rows: result.rows.slice(0, limits.maxRows),
        };
      });
    },

    async describeServer(ctx, limits) {
      const version = await inReadOnlyTransaction(ctx, limits, undefined, async (client) => (await client.query<{ version: string }>("SELECT version()")).rows[0]!.version);
      return (options.serverLine ?? postgresServerLine)(version);
    },
  };
}
