import nock from "nock";
import { expect } from "vitest";
import { closeKustoClients } from "../../../sync/connectors/azuredataexplorer/session.js";
import { FakeKusto, entraToken, kustoFixture, kustoRows } from "../../support/fakeKusto.js";
import { describeSqlLinkFlow } from "./support/sqlLinkFlow.js";

/**
 * The "azuredataexplorer" connector through Pacer's HTTP API: azure-kusto-data talks to a loopback
 * cluster, Entra's token endpoint is nock (persisted: the client caches its token, so how often
 * it is asked depends on the pool, but it must be asked, with the stored secret).
 */
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_SECRET = "kusto~link~secret~value";
const cluster = new FakeKusto();
const query = "Signups | count";
let token: nock.Scope;

describeSqlLinkFlow({
  id: "azuredataexplorer",
  config: () => ({ clusterUrl: cluster.url, database: "Shop", tenantId: TENANT, clientId: "11111111-2222-3333-4444-555555555555" }),
  secrets: () => ({ clientSecret: CLIENT_SECRET }),
  query,
  write: ".drop table Signups",
  setValue(value) {
    cluster.answer = (csl) =>
      csl === query ? kustoRows([["Count", "long"]], [[value]]) : csl.startsWith("print cluster") ? kustoRows([["cluster", "string"], ["database", "string"]], [[cluster.url, "Shop"]]) : kustoFixture("error-syntax");
  },
  sentTexts: () => cluster.texts,
  async start() {
    await cluster.start();
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    token = entraToken(TENANT, undefined, (form) => expect(form.get("client_secret")).toBe(CLIENT_SECRET)).persist();
  },
  async stop() {
    expect(token.isDone(), "Entra's token endpoint was asked").toBe(true);
    nock.cleanAll();
    nock.enableNetConnect();
    await closeKustoClients();
    await cluster.stop();
  },
});
