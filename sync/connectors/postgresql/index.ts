import { passwordSecrets, sqlQuerySource, sqlServerConfig } from "../../sql/connectionFields.js";
import { databaseIcon } from "../../sql/databaseIcon.js";
import { defineSqlConnector } from "../../sql/defineSqlConnector.js";
import { pgEngine } from "../../sql/pgEngine.js";

/**
 * PostgreSQL: one SELECT per key result that returns one row with one numeric column, run in a
 * read-only transaction under the connection's statement timeout (see sync/sql/pgEngine.ts).
 * bigint and numeric values keep their exact digits.
 */
export default defineSqlConnector({
  meta: {
    id: "postgresql",
    displayName: "PostgreSQL",
    description: "Run a read-only SQL query (one row, one number) on a PostgreSQL database.",
    icon: databaseIcon("#336791", "PG"),
    category: "third-party",
    termsUrl: "https://www.postgresql.org/about/licence/",
    docsUrl: "https://github.com/pacer-okr/pacer#postgresql",
  },
  schemas: { connectionConfig: sqlServerConfig({ port: 5432 }), secrets: passwordSecrets, sourceConfig: sqlQuerySource },
  engine: pgEngine({ engine: "PostgreSQL" }),
});
