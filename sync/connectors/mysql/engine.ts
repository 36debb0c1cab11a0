import { isIP } from "node:net";
import { TLSSocket, checkServerIdentity } from "node:tls";
import type { Connection as CoreConnection, FieldPacket } from "mysql2";
import mysql from "mysql2/promise";
import type { ConnectorContext } from "../../../core/integrations/contract.js";
import { type PasswordSecrets, type SqlQuerySource, type SqlServerConfig, tlsOptions } from "../../sql/connectionFields.js";
import type { RunLimits, SqlEngine } from "../../sql/defineSqlConnector.js";
import { IdlePools, poolKey } from "../../sql/idlePools.js";
import type { SqlRows } from "../../sql/singleNumber.js";
import { sqlErrorContext } from "../../sql/sqlErrors.js";
import { readOnlyQueryProblem } from "../../sql/statement.js";
import { mysqlError } from "./errors.js";

/**
 * Running one query on MySQL or MariaDB with mysql2. Each run borrows a pooled session and sends:
 *
 *   SET SESSION <timeout>, sql_select_limit = 2; START TRANSACTION READ ONLY; <query>; ROLLBACK
 *
 * The timeout differs by server, so the pool asks VERSION() once when it opens: MySQL (5.7.8+)
 * has max_execution_time in milliseconds for SELECTs; MariaDB has max_statement_time in seconds.
 * sql_select_limit makes the server stop after 2 rows unless the query has its own LIMIT; rows
 * beyond 2 are then read off the wire and dropped, never kept. Multiple statements stay off in
 * the driver (the server then refuses a second statement as a syntax error), and DECIMAL/BIGINT
 * arrive as text so their digits survive.
 */
export interface MysqlPool {
  pool: mysql.Pool;
  mariadb: boolean;
  version: string;
}

const numericTypes = new Set(["DECIMAL", "NEWDECIMAL", "TINY", "SHORT", "LONG", "INT24", "LONGLONG", "FLOAT", "DOUBLE"]);
const typeNames: Record<string, string> = { VAR_STRING: "VARCHAR", STRING: "CHAR", BLOB: "TEXT or BLOB", NEWDECIMAL: "DECIMAL", LONGLONG: "BIGINT", LONG: "INT", TINY: "TINYINT" };
const columnType = (field: FieldPacket) => (mysql.Types as unknown as Record<number, string>)[field.columnType ?? -1] ?? `type ${field.columnType}`;

export interface MysqlEngineOptions {
  pools?: IdlePools<MysqlPool>;
}

const READ_TIMEOUT_MARGIN_MS = 2_000;
const sharedPools = new IdlePools<MysqlPool>((entry) => entry.pool.end());

/** "10.11.19-MariaDB-0+deb12u1" → MariaDB; "8.0.36" → MySQL. */
export const isMariaDb = (version: string) => /mariadb/i.test(version);

export function mysqlEngine(options: MysqlEngineOptions = {}): SqlEngine<SqlServerConfig, PasswordSecrets, SqlQuerySource> {
  const engine = "MySQL";
  const pools = options.pools ?? sharedPools;
  const where = (config: SqlServerConfig) => `${config.host}:${config.port}/${config.database}`;

  async function openPool(ctx: ConnectorContext<SqlServerConfig, PasswordSecrets>): Promise<MysqlPool> {
    const { config } = ctx;
    const tls = tlsOptions(config);
    const pool = mysql.createPool({
      host: config.host,
      port: config.port,
      database: config.database,
      user: config.user,
      password: ctx.secrets.password,
      // mysql2 checks the host name only with verifyIdentity; the CA check is rejectUnauthorized.
      ssl: tls ? { ca: config.caCertificate, rejectUnauthorized: tls.rejectUnauthorized !== false, verifyIdentity: config.tls === "verify-full" } : undefined,
      connectTimeout: config.connectTimeoutSeconds * 1000,
      connectionLimit: 4,
      maxIdle: 4,
      idleTimeout: 60_000,
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      dateStrings: true,
    });
    try {
      const [rows] = await pool.query<mysql.RowDataPacket[]>("SELECT VERSION() AS version");
      const version = String(rows[0]?.version ?? "");
      return { pool, mariadb: isMariaDb(version), version };
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  async function withSession<T>(
    ctx: ConnectorContext<SqlServerConfig, PasswordSecrets>,
    limits: RunLimits,
    fn: (connection: mysql.PoolConnection, server: MysqlPool) => Promise<T>,
  ): Promise<T> {
    const { config } = ctx;
    try {
      return await pools.use(poolKey("mysql", config, ctx.secrets), () => openPool(ctx), async (server) => {
        const connection = await server.pool.getConnection();
        let broken = false;
        try {
          verifyIpIdentity(connection, config);
          const timeout = server.mariadb ? `max_statement_time = ${limits.timeoutMs / 1000}` : `max_execution_time = ${Math.round(limits.timeoutMs)}`;
          await connection.query(`SET SESSION ${timeout}, sql_select_limit = ${limits.maxRows}`);
          await connection.query("START TRANSACTION READ ONLY");
          return await fn(connection, server);
        } catch (error) {
          broken = (error as { fatal?: boolean }).fatal === true || typeof (error as { errno?: unknown }).errno !== "number";
          throw error;
        } finally {
          // Always roll back; a session whose connection failed is thrown away rather than reused.
          if (!broken) await connection.query("ROLLBACK").catch(() => void (broken = true));
          if (broken) connection.destroy();
          else connection.release();
        }
      });
    } catch (error) {
      throw mysqlError(error, sqlErrorContext(engine, where(config), config, limits.timeoutMs));
    }
  }

  return {
    engine,
    sourceProblem: (source) => readOnlyQueryProblem(source.query, "mysql"),
    where,
    who: (config) => config.user,

    run(ctx, source, limits): Promise<SqlRows> {
      return withSession(ctx, limits, (connection) => firstRows(connection, source.query, limits.maxRows, limits.timeoutMs + READ_TIMEOUT_MARGIN_MS));
    },

    async describeServer(ctx, limits) {
      return withSession(ctx, limits, async (_connection, server) => `${server.mariadb ? "MariaDB" : "MySQL"} ${server.version}`);
    },
  };
}

/** mysql2 checks the certificate's name only for DNS host names; verify-full to an IP address is checked here. */
function verifyIpIdentity(connection: mysql.PoolConnection, config: SqlServerConfig): void {
  if (config.tls !== "verify-full" || !isIP(config.host)) return;
  const socket = (connection.connection as unknown as { stream?: unknown }).stream;
  if (!(socket instanceof TLSSocket)) throw new Error("TLS was required but the session is not encrypted");
  const mismatch = checkServerIdentity(config.host, socket.getPeerCertificate());
  if (mismatch) throw mismatch;
}

/** Runs the query on the session's core connection, keeping only the first `maxRows` rows as they stream in. */
function firstRows(connection: mysql.PoolConnection, sql: string, maxRows: number, readTimeoutMs: number): Promise<SqlRows> {
  const core = connection.connection as unknown as CoreConnection;
  return new Promise((resolve, reject) => {
    let fields: FieldPacket[] = [];
    const rows: unknown[][] = [];
    let failed = false;
    core
      .query({ sql, rowsAsArray: true, timeout: readTimeoutMs })
      .on("fields", (received: FieldPacket[]) => (fields = received))
      .on("result", (row: unknown) => void (rows.length < maxRows && rows.push(row as unknown[])))
      .on("error", (error: Error) => {
        failed = true;
        reject(error);
      })
      .on("end", () => {
        if (failed) return;
        resolve({
          columns: fields.map((field) => {
            const type = columnType(field);
            return { name: field.name, typeName: typeNames[type] ?? type, numeric: numericTypes.has(type) };
          }),
          rows,
        });
      });
  });
}
