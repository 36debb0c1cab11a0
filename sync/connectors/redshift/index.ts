import { passwordSecrets, sqlQuerySource, sqlServerConfig } from "../../sql/connectionFields.js";
import { databaseIcon } from "../../sql/databaseIcon.js";
import { defineSqlConnector } from "../../sql/defineSqlConnector.js";
import { pgEngine } from "../../sql/pgEngine.js";

/**
 * Amazon Redshift speaks PostgreSQL's protocol and accepts the same guards (BEGIN READ ONLY,
 * SET LOCAL statement_timeout in milliseconds, a row-limited fetch), so it shares the PostgreSQL
 * engine; what differs is the connection (a cluster or workgroup endpoint, port 5439) and the
 * server line, which names Redshift's own version rather than the PostgreSQL 8.0.2 it reports.
 */
const redshiftConfig = sqlServerConfig({ port: 5439 }).extend({
  host: sqlServerConfig({ port: 5439 })
    .shape.host.describe("the cluster or serverless workgroup endpoint, e.g. examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com"),
});

/** "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC …, Redshift 1.0.77467" → "Redshift 1.0.77467". */
export const redshiftServerLine = (version: string) => /Redshift [\d.]+/.exec(version)?.[0] ?? version.split(", compiled by")[0]!.trim();

export default defineSqlConnector({
  meta: {
    id: "redshift",
    displayName: "Amazon Redshift",
    description: "Run a read-only SQL query (one row, one number) on an Amazon Redshift cluster or Serverless workgroup.",
    icon: databaseIcon("#8c4fff", "RS"),
    category: "third-party",
    termsUrl: "https://aws.amazon.com/service-terms/",
    docsUrl: "https://github.com/pacer-okr/pacer#amazon-redshift",
  },
  schemas: { connectionConfig: redshiftConfig, secrets: passwordSecrets, sourceConfig: sqlQuerySource },
  engine: pgEngine({ engine: "Amazon Redshift", serverLine: redshiftServerLine }),
});
