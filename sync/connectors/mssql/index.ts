import { defineSqlConnector } from "../../sql/defineSqlConnector.js";
import { type PasswordSecrets, passwordSecrets } from "../../sql/connectionFields.js";
import { type MssqlConfig, type MssqlSource, mssqlConfig, mssqlSource, sourceProblem } from "./config.js";
import { runMssql, where } from "./session.js";

/**
 * Microsoft SQL Server and Azure SQL (Database, Managed Instance): one T-SQL query, or one stored
 * procedure, per key result, returning one number. SQL Server has no read-only transaction: the
 * guards are the single-SELECT check, a transaction that is always rolled back, and the
 * least-privilege login the README describes (db_datareader, or SELECT/EXECUTE on what is needed).
 */
export default defineSqlConnector<MssqlConfig, PasswordSecrets, MssqlSource>({
  meta: {
    id: "mssql",
    displayName: "Microsoft SQL Server",
    description: "Run a read-only T-SQL query or stored procedure (one row, one number) on SQL Server or Azure SQL.",
    icon:
      "data:image/svg+xml;base64," +
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#a91d22"/><ellipse cx="16" cy="9" rx="8" ry="3" fill="#fff"/><path d="M8 9v14c0 1.7 3.6 3 8 3s8-1.3 8-3V9" fill="none" stroke="#fff" stroke-width="2"/><path d="M8 16c0 1.7 3.6 3 8 3s8-1.3 8-3" fill="none" stroke="#fff" stroke-width="2"/></svg>',
      ).toString("base64"),
    category: "cross-boundary-microsoft",
    termsUrl: "https://www.microsoft.com/licensing/terms/",
    docsUrl: "https://github.com/pacer-okr/pacer#microsoft-sql-server",
  },
  schemas: { connectionConfig: mssqlConfig, secrets: passwordSecrets, sourceConfig: mssqlSource },
  engine: {
    engine: "SQL Server",
    sourceProblem,
    run: runMssql,
    async describeServer(ctx, limits) {
      const { rows } = await runMssql(ctx, { query: "SELECT @@VERSION" }, limits);
      return String(rows[0]?.[0] ?? "version unknown").split("\n")[0]!.trim();
    },
    where,
    who: (config) => config.user,
  },
});
