import { closeMssqlPools } from "../../../sync/connectors/mssql/session.js";
import { FakeSqlServer } from "../../support/fakeSqlServer.js";
import { describeSqlLinkFlow } from "./support/sqlLinkFlow.js";

/** The "mssql" connector through Pacer's HTTP API, the real mssql driver talking TDS to a loopback server. */
const server = new FakeSqlServer();
const query = "SELECT COUNT(*) FROM dbo.Signups";
let value = 0;
server.answer = (batch) =>
  batch.includes(query)
    ? { columns: [{ name: "", type: "int" }], rows: [[value]] }
    : batch.includes("SELECT @@VERSION")
      ? { columns: [{ name: "", type: "nvarchar" }], rows: [["Microsoft SQL Server 2022 (RTM-CU16) - 16.0.4165.4 (X64)"]] }
      : { error: { number: 102, message: "Incorrect syntax near 'x'." } };

describeSqlLinkFlow({
  id: "mssql",
  config: () => ({ host: "127.0.0.1", port: server.port, database: "shop", user: server.credentials.user, tls: "disable" }),
  secrets: () => ({ password: server.credentials.password }),
  query,
  write: "UPDATE dbo.Signups SET n = 0",
  setValue: (v) => void (value = v),
  sentTexts: () => server.batches,
  start: async () => void (await server.start()),
  stop: async () => {
    await closeMssqlPools();
    await server.stop();
  },
});
