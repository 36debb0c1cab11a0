import sql from "mssql";
import type { ConnectorContext } from "../../../core/integrations/contract.js";
import type { RunLimits } from "../../sql/defineSqlConnector.js";
import { IdlePools, poolKey } from "../../sql/idlePools.js";
import type { SqlColumn, SqlRows } from "../../sql/singleNumber.js";
import type { PasswordSecrets } from "../../sql/connectionFields.js";
import { type MssqlConfig, type MssqlSource, quotedProcedure, tsqlLiteral } from "./config.js";
import { mssqlError } from "./mssqlErrors.js";
import { DOWNGRADE_CODE, DOWNGRADE_FIX, encryptionGuardedConnector } from "./preloginGuard.js";

/**
 * Runs one query (or one stored procedure) on SQL Server through mssql (tedious), one
 * ConnectionPool per connection.
 *
 * SQL Server has no read-only transaction, so each run is one batch that opens a transaction and
 * rolls it back, with XACT_ABORT ON so an error rolls back too:
 *
 *   IF @@TRANCOUNT > 0 ROLLBACK; SET XACT_ABORT ON; SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET ROWCOUNT 2; BEGIN TRANSACTION;
 *   <the query>
 *   ROLLBACK TRANSACTION; SET ROWCOUNT 0;
 *
 * `SET ROWCOUNT 2` rather than a `SELECT TOP 2 * FROM (<query>)` wrapper: the wrapper breaks
 * CTEs, ORDER BY and unnamed columns (`SELECT COUNT(*)`), ROWCOUNT caps the one SELECT as it is.
 * A procedure runs without ROWCOUNT (it would cap the procedure's own inner statements); only its
 * first result set's first 2 rows are kept. The statement timeout is mssql's requestTimeout
 * (tedious cancels the request with an attention), shortened to the call's deadline by a cancel.
 * The batch is sent as a plain SQL batch; procedure parameters are written as typed literals
 * (numbers, 1/0, N'…' with quotes doubled) after strict name checks.
 */
export type MssqlContext = ConnectorContext<MssqlConfig, PasswordSecrets>;

const ENGINE_SETUP = "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET XACT_ABORT ON; SET TRANSACTION ISOLATION LEVEL READ COMMITTED;";
/** The user's text starts on line 2 of the batch. */
const QUERY_LINE_OFFSET = 1;

const pools = new IdlePools<sql.ConnectionPool>((pool) => pool.close());

/** mssql's configuration for a connection (exported for the TLS mapping's tests). */
export function mssqlPoolConfig(config: MssqlConfig, secrets: PasswordSecrets, loginErrors: number[] = []): sql.config {
  const requireTls = config.tls !== "disable";
  const strict = requireTls && config.strictEncryption;
  const tls = !requireTls
    ? { encrypt: false, trustServerCertificate: true }
    : config.tls === "require"
      ? { encrypt: true, trustServerCertificate: true }
      : // verify-ca and verify-full: tedious checks the chain and the host name (it has no CA-only mode).
        { encrypt: true, trustServerCertificate: false, ...(config.caCertificate ? { cryptoCredentialsDetails: { ca: config.caCertificate } } : {}) };
  return {
    server: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: secrets.password,
    connectionTimeout: config.connectTimeoutSeconds * 1000,
    requestTimeout: config.statementTimeoutSeconds * 1000,
    pool: { max: 4, min: 0, idleTimeoutMillis: 60_000 },
    options: {
      ...tls,
      // TDS 8: tedious opens TLS on the bare socket (checking the certificate in every TLS mode) before any TDS byte.
      ...(strict ? { encrypt: "strict" } : {}),
      // TDS 7.x with TLS on: refuse a PRELOGIN answer that would let tedious log in in clear (preloginGuard.ts).
      ...(requireTls && !strict ? { connector: encryptionGuardedConnector } : {}),
      appName: "Pacer",
      readOnlyIntent: config.readOnlyIntent,
      enableArithAbort: true,
    },
    // Check pooled connections by their socket, not with an extra query.
    validateConnection: "socket",
    beforeConnect: (connection: TediousEvents) => watchLogin(connection, requireTls && !strict, loginErrors),
  } as sql.config;
}

interface TediousEvents {
  on(event: string, listener: (...args: any[]) => void): void;
  emit(event: string, ...args: unknown[]): boolean;
  close(): void;
}

/**
 * Watches a new tedious connection's login:
 * - tedious keeps only the last error of a failed login ("Login failed …"), so SQL Server's error
 *   numbers are collected here (4060 "Cannot open database" tells a wrong database from a wrong
 *   password);
 * - a second guard behind preloginGuard.ts: a TDS 7.x connection with TLS on that logged in
 *   without tedious's 'secure' event (TLS inside PRELOGIN) is refused before any query. (Strict
 *   mode has TLS from the first byte and no such event.)
 */
function watchLogin(connection: TediousEvents, expectSecureEvent: boolean, loginErrors: number[]): void {
  let secure = false;
  connection.on("errorMessage", (token: { number?: number }) => {
    if (typeof token.number === "number") loginErrors.push(token.number);
  });
  connection.on("secure", () => (secure = true));
  connection.on("databaseChange", () => {
    if (secure || !expectSecureEvent) return;
    connection.emit("error", Object.assign(new Error(`the server did not encrypt the connection; ${DOWNGRADE_FIX}`), { code: DOWNGRADE_CODE }));
    connection.close();
  });
}

export const where = (config: MssqlConfig) => `${config.host}:${config.port}/${config.database}`;

function batchFor(source: MssqlSource, maxRows: number): string {
  if (source.procedure) {
    const args = Object.entries(source.parameters ?? {}).map(([name, value]) => `@${name.replace(/^@/, "")} = ${tsqlLiteral(value)}`);
    return `${ENGINE_SETUP} BEGIN TRANSACTION;\nEXEC ${quotedProcedure(source.procedure)}${args.length ? ` ${args.join(", ")}` : ""};\nROLLBACK TRANSACTION;`;
  }
  return `${ENGINE_SETUP} SET ROWCOUNT ${maxRows}; BEGIN TRANSACTION;\n${source.query}\n;ROLLBACK TRANSACTION; SET ROWCOUNT 0;`;
}

const NUMERIC = new Set(["int", "bigint", "smallint", "tinyint", "decimal", "numeric", "money", "smallmoney", "float", "real"]);

export async function runMssql(ctx: MssqlContext, source: MssqlSource, limits: RunLimits): Promise<SqlRows> {
  const { config, secrets } = ctx;
  const seconds = Math.max(1, Math.round(Math.min(limits.timeoutMs, config.statementTimeoutSeconds * 1000) / 1000));
  const fail = (error: unknown) => mssqlError(error, config, where(config), seconds, QUERY_LINE_OFFSET);
  try {
    return await pools.use(
      poolKey("mssql", config, secrets),
      async () => {
        const loginErrors: number[] = [];
        const pool = new sql.ConnectionPool(mssqlPoolConfig(config, secrets, loginErrors));
        pool.on("error", () => undefined);
        return pool.connect().catch((error: unknown) => {
          throw Object.assign(error as object, { loginErrors });
        });
      },
      (pool) => firstResult(pool.request(), batchFor(source, limits.maxRows), limits),
    );
  } catch (error) {
    throw fail(error);
  }
}

/** Streams the batch and keeps the first result set's columns and its first rows. */
function firstResult(request: sql.Request, batch: string, limits: RunLimits): Promise<SqlRows> {
  return new Promise((resolve, reject) => {
    request.stream = true;
    request.arrayRowMode = true;
    let columns: SqlColumn[] | null = null;
    const rows: unknown[][] = [];
    let sets = 0;
    const cancel = setTimeout(() => request.cancel(), limits.timeoutMs);
    request.on("recordset", (meta: Array<{ name: string; type?: { declaration?: string } }>) => {
      sets += 1;
      if (sets === 1) columns = meta.map((c) => ({ name: c.name, typeName: c.type?.declaration ?? "unknown", numeric: NUMERIC.has(c.type?.declaration ?? "") }));
    });
    request.on("row", (row: unknown[]) => {
      if (sets === 1 && rows.length < limits.maxRows) rows.push(row);
    });
    let failed: unknown = null;
    request.on("error", (error: unknown) => {
      failed ??= error;
    });
    request.on("done", () => {
      clearTimeout(cancel);
      if (failed) reject(failed);
      else resolve({ columns: columns ?? [], rows });
    });
    request.batch(batch);
  });
}

/** Closes every SQL Server pool (tests). */
export const closeMssqlPools = () => pools.closeAll();
