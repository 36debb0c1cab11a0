import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from "@azure/identity";
import { Client, ClientRequestProperties, KustoConnectionStringBuilder } from "azure-kusto-data";
import type { ConnectorContext } from "../../../core/integrations/contract.js";
import { configError } from "../errors.js";
import type { RunLimits } from "../../sql/defineSqlConnector.js";
import { IdlePools, poolKey } from "../../sql/idlePools.js";
import type { SqlRows } from "../../sql/singleNumber.js";
import { type KustoConfig, type KustoSecrets, signInProblem } from "./config.js";
import { type OneApiError, kustoError, oneApiError } from "./kustoErrors.js";
import { parseJsonKeepingDigits } from "../losslessJson.js";

/**
 * Runs one KQL query through azure-kusto-data (POST <cluster>/v2/rest/query), one client per
 * connection (its Entra token is cached and renewed by @azure/identity).
 *
 * Each request carries ClientRequestProperties: `request_readonly` and
 * `request_readonly_hardline` (Kusto refuses writes and disables non-compliant plugins),
 * `servertimeout` (the statement timeout, capped by the call's deadline), `query_take_max_records`
 * = 2 (Kusto returns at most 2 rows) and the app name "Pacer" for `.show queries`.
 * https://learn.microsoft.com/kusto/api/rest/request-properties
 *
 * Answers are read raw: the v2 frames are parsed here with parseJsonKeepingDigits so a `long`
 * beyond 2^53 keeps its digits, and errors inside the stream (DataSetCompletion.OneApiErrors) are
 * mapped like HTTP errors.
 */
export type KustoContext = ConnectorContext<KustoConfig, KustoSecrets>;

const clients = new IdlePools<Client>(async (client) => client.close());

function credential(config: KustoConfig, secrets: KustoSecrets): TokenCredential {
  const options = { disableInstanceDiscovery: true };
  if (config.authentication === "certificate") {
    return new ClientCertificateCredential(config.tenantId, config.clientId, { certificate: secrets.certificate! }, { ...options, sendCertificateChain: config.sendCertificateChain });
  }
  return new ClientSecretCredential(config.tenantId, config.clientId, secrets.clientSecret!, options);
}

function openClient(config: KustoConfig, secrets: KustoSecrets): Client {
  const client = new Client(KustoConnectionStringBuilder.withTokenCredential(clusterUrl(config), credential(config, secrets)));
  // Take the body as text and parse it here, keeping long digits (the SDK's axios would JSON.parse it).
  client.axiosInstance.defaults.transformResponse = [(data: unknown) => (typeof data === "string" && data.length > 0 ? parseJsonKeepingDigits(data) : data)];
  return client;
}

export const clusterUrl = (config: KustoConfig) => config.clusterUrl.replace(/\/$/, "");

interface Frame {
  FrameType?: string;
  TableKind?: string;
  Columns?: Array<{ ColumnName: string; ColumnType: string }>;
  Rows?: unknown[][];
  HasErrors?: boolean;
  OneApiErrors?: Array<{ error: OneApiError }>;
}

const NUMERIC = new Set(["int", "long", "real", "decimal"]);

export async function runKql(ctx: KustoContext, query: string, limits: RunLimits): Promise<SqlRows> {
  const { config, secrets } = ctx;
  const problem = signInProblem(config, secrets);
  if (problem) throw configError(problem);
  const seconds = Math.max(1, Math.floor(limits.timeoutMs / 1000));
  const properties = new ClientRequestProperties();
  properties.setOption("request_readonly", true);
  properties.setOption("request_readonly_hardline", true);
  properties.setOption("query_take_max_records", limits.maxRows);
  properties.setOption("request_app_name", "Pacer");
  properties.setTimeout(limits.timeoutMs);
  properties.setClientTimeout(limits.timeoutMs + 2_000);
  properties.application = "Pacer";
  properties.user = "Pacer";
  properties.raw = true;

  const frames = await clients
    .use(poolKey("azuredataexplorer", config, secrets), () => openClient(config, secrets), (client) => client.executeQuery(config.database, query, properties))
    .catch((error: unknown) => {
      throw kustoError(error, config, seconds);
    });
  if (!Array.isArray(frames)) throw kustoError(new Error("the answer is not a list of v2 frames"), config, seconds);
  const list = frames as Frame[];
  const failed = list.find((f) => f.FrameType === "DataSetCompletion" && f.HasErrors);
  if (failed) throw oneApiError(failed.OneApiErrors?.[0]?.error ?? { message: "the query failed" }, config, seconds);
  const primary = list.find((f) => f.FrameType === "DataTable" && f.TableKind === "PrimaryResult");
  if (!primary) return { columns: [], rows: [] };
  return {
    columns: (primary.Columns ?? []).map((c) => ({ name: c.ColumnName, typeName: c.ColumnType, numeric: NUMERIC.has(c.ColumnType) })),
    rows: (primary.Rows ?? []).slice(0, limits.maxRows),
  };
}

/** Closes every Kusto client (tests). */
export const closeKustoClients = () => clients.closeAll();
