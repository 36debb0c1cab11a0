import snowflake from "snowflake-sdk";
import type { ConnectorContext } from "../../../core/integrations/contract.js";
import { transientError } from "../errors.js";
import { IdlePools, poolKey } from "../../sql/idlePools.js";
import type { RunLimits } from "../../sql/defineSqlConnector.js";
import type { SqlRows } from "../../sql/singleNumber.js";
import type { SnowflakeConfig, SnowflakeSecrets } from "./config.js";
import { snowflakeError } from "./snowflakeErrors.js";

/**
 * Runs one statement on Snowflake through snowflake-sdk, with a small pool per connection.
 *
 * Every statement carries its own session parameters: MULTI_STATEMENT_COUNT = 1 (Snowflake itself
 * refuses a second statement), STATEMENT_TIMEOUT_IN_SECONDS (the connection's timeout, capped by
 * the call's deadline), ROWS_PER_RESULTSET = the row cap (Snowflake returns at most 2 rows) and a
 * QUERY_TAG so the account's query history shows what Pacer ran. Numbers come back as text
 * (`fetchAsString`), so NUMBER(38,0) keeps every digit.
 *
 * The engine decides retries: sign-in is not retried by the SDK (sfRetryMaxLoginRetries 0). The
 * SDK does retry a query request on 429/5xx by itself; the call's deadline cuts that short.
 */
snowflake.configure({ logLevel: "OFF" });

type Connection = snowflake.Connection;

/**
 * Signed-in sessions of one connection, reused while they are up. (snowflake-sdk's own createPool
 * replaces a failed sign-in's error with a bare Error, losing Snowflake's code, so it is not used.)
 */
class Sessions {
  private readonly idle: Connection[] = [];
  constructor(private readonly options: snowflake.ConnectionOptions) {}

  async acquire(): Promise<Connection> {
    for (let connection = this.idle.pop(); connection; connection = this.idle.pop()) {
      if (connection.isUp()) return connection;
    }
    const connection = snowflake.createConnection(this.options);
    await new Promise<void>((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
    return connection;
  }

  release(connection: Connection, broken: boolean): void {
    if (!broken && connection.isUp() && this.idle.length < MAX_IDLE_SESSIONS) this.idle.push(connection);
    else void signOut(connection);
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map(signOut));
  }
}
const MAX_IDLE_SESSIONS = 4;
const signOut = (connection: Connection) => new Promise<void>((resolve) => connection.destroy(() => resolve()));

const pools = new IdlePools<Sessions>((sessions) => sessions.close());

export type SnowflakeContext = ConnectorContext<SnowflakeConfig, SnowflakeSecrets>;

export const accessUrl = (config: SnowflakeConfig) => (config.accessUrl ?? `https://${config.account}.snowflakecomputing.com`).replace(/\/$/, "");

function connectionOptions(config: SnowflakeConfig, secrets: SnowflakeSecrets): snowflake.ConnectionOptions {
  const auth =
    config.authentication === "keyPair"
      ? { authenticator: "SNOWFLAKE_JWT", privateKey: secrets.privateKey, ...(secrets.privateKeyPassphrase ? { privateKeyPass: secrets.privateKeyPassphrase } : {}) }
      : { password: secrets.password };
  return {
    account: config.account,
    accessUrl: accessUrl(config),
    username: config.user,
    ...auth,
    warehouse: config.warehouse,
    role: config.role,
    database: config.database,
    ...(config.schema ? { schema: config.schema } : {}),
    application: "Pacer",
    sfRetryMaxLoginRetries: 0,
    // With fetchAsString the SDK would otherwise hand back SQL NULL as the text "NULL".
    representNullAsStringNull: false,
    // One HTTP request (sign-in or a query's long poll) may take this long before the SDK gives up on it.
    timeout: (Math.max(config.connectTimeoutSeconds, config.statementTimeoutSeconds) + 5) * 1000,
  } as snowflake.ConnectionOptions;
}

export async function runStatement(ctx: SnowflakeContext, sqlText: string, limits: RunLimits): Promise<SqlRows> {
  const { config, secrets } = ctx;
  const where = accessUrl(config);
  const seconds = Math.max(1, Math.floor(limits.timeoutMs / 1000));
  const fail = (error: unknown) => snowflakeError(error, config, where, seconds);
  return pools.use(
    poolKey("snowflake", config, secrets),
    () => new Sessions(connectionOptions(config, secrets)),
    async (sessions) => {
      let connection: Connection;
      try {
        connection = await sessions.acquire();
      } catch (error) {
        throw fail(error);
      }
      let broken = false;
      try {
        return await execute(connection, sqlText, limits, seconds, ctx.signal);
      } catch (error) {
        broken = (error as { name?: string }).name === "AbortError" || !connection.isUp();
        if ((error as { name?: string }).name === "AbortError") throw transientError(`Snowflake did not answer within the call's deadline (${where}).`, error);
        throw fail(error);
      } finally {
        sessions.release(connection, broken);
      }
    },
  );
}

function execute(connection: Connection, sqlText: string, limits: RunLimits, seconds: number, signal: AbortSignal): Promise<SqlRows> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      statement.cancel(() => undefined);
      reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
    };
    const statement = connection.execute({
      sqlText,
      rowMode: "array",
      fetchAsString: ["Number"],
      parameters: { MULTI_STATEMENT_COUNT: 1, STATEMENT_TIMEOUT_IN_SECONDS: seconds, ROWS_PER_RESULTSET: limits.maxRows, QUERY_TAG: "Pacer key result" },
      complete: (error, stmt, rows) => {
        signal.removeEventListener("abort", onAbort);
        if (error) return reject(error);
        const columns = (stmt.getColumns() ?? []).map((c) => ({ name: c.getName(), typeName: c.getType().toUpperCase(), numeric: c.isNumber() }));
        resolve({ columns, rows: ((rows ?? []) as unknown[][]).slice(0, limits.maxRows) });
      },
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Closes every Snowflake pool (tests). */
export const closeSnowflakePools = () => pools.closeAll();
