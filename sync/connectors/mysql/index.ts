import { passwordSecrets, sqlQuerySource, sqlServerConfig } from "../../sql/connectionFields.js";
import { databaseIcon } from "../../sql/databaseIcon.js";
import { defineSqlConnector } from "../../sql/defineSqlConnector.js";
import { mysqlEngine } from "./engine.js";

/**
 * MySQL and MariaDB: one SELECT per key result that returns one row with one numeric column, run
 * in a read-only transaction under the connection's statement timeout (see ./engine.ts). DECIMAL
 * and BIGINT values keep their exact digits.
 */
export default defineSqlConnector({
  meta: {
    id: "mysql",
    displayName: "MySQL and MariaDB",
    description: "Run a read-only SQL query (one row, one number) on a MySQL or MariaDB database.",
    icon: databaseIcon("#00758f", "My"),
    category: "third-party",
    termsUrl: "https://www.mysql.com/about/legal/",
    docsUrl: "https://github.com/pacer-okr/pacer#mysql-and-mariadb",
  },
  schemas: { connectionConfig: sqlServerConfig({ port: 3306 }), secrets: passwordSecrets, sourceConfig: sqlQuerySource },
  engine: mysqlEngine(),
});
