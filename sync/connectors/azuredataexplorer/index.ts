import { configError } from "../errors.js";
import { defineSqlConnector } from "../../sql/defineSqlConnector.js";
import { z } from "zod";
import { type KustoConfig, type KustoSecrets, kustoConfig, kustoSecrets } from "./config.js";
import { kqlQueryProblem } from "./kql.js";
import { clusterUrl, runKql } from "./session.js";

/**
 * Azure Data Explorer (Kusto), and Fabric Real-Time Intelligence eventhouses, which speak the same
 * API: one KQL query per key result returning one number. Read-only by construction: the KQL
 * check refuses control commands, `set` statements and callout plugins before sending, and every
 * request carries `request_readonly` (the README asks for an app with only the viewer role).
 */
const kqlSource = z
  .object({
    query: z.string().trim().min(1).max(100_000).describe("a read-only KQL query returning one row with one number, e.g. Signups | where Timestamp > ago(30d) | count"),
  })
  .strict();
type KqlSource = z.infer<typeof kqlSource>;

export default defineSqlConnector<KustoConfig, KustoSecrets, KqlSource>({
  meta: {
    id: "azuredataexplorer",
    displayName: "Azure Data Explorer",
    description: "Run a read-only KQL query (one row, one number) on an Azure Data Explorer cluster or a Fabric eventhouse, as an Entra app.",
    icon:
      "data:image/svg+xml;base64," +
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0078d4"/><path d="M7 23V9h4v14zM14 23V13h4v10zM21 23v-6h4v6z" fill="#fff"/><path d="M6 25.5h20" stroke="#fff" stroke-width="1.6"/></svg>',
      ).toString("base64"),
    category: "cross-boundary-microsoft",
    termsUrl: "https://www.microsoft.com/licensing/terms/productoffering/MicrosoftAzure",
    docsUrl: "https://github.com/pacer-okr/pacer#azure-data-explorer",
  },
  schemas: { connectionConfig: kustoConfig, secrets: kustoSecrets, sourceConfig: kqlSource },
  engine: {
    engine: "Azure Data Explorer",
    sourceProblem: (source) => kqlQueryProblem(source.query),
    run: (ctx, source, limits) => runKql(ctx, source.query, limits),
    async describeServer(ctx, limits) {
      const { rows } = await runKql(ctx, "print cluster = current_cluster_endpoint(), database = current_database()", limits);
      if (!rows[0]) throw configError("Azure Data Explorer answered the test query with no row.");
      return `cluster ${String(rows[0][0])}, database ${String(rows[0][1])}`;
    },
    where: (config) => `${clusterUrl(config)} (database ${config.database})`,
    who: (config) => `app ${config.clientId}${config.authentication === "certificate" ? " (certificate)" : ""}`,
  },
  // Kusto throttles per principal; a 429 without Retry-After waits a minute.
  rateLimit: { maxConcurrentPerConnection: 4 },
});
