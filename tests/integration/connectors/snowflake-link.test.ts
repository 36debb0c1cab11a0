import { closeSnowflakePools } from "../../../sync/connectors/snowflake/session.js";
import { FakeSnowflake, snowflakeFixture, snowflakeRows } from "../../support/fakeSnowflake.js";
import { describeSqlLinkFlow } from "./support/sqlLinkFlow.js";

/** The "snowflake" connector through Pacer's HTTP API, the driver talking to a loopback Snowflake. */
const server = new FakeSnowflake();
const query = "SELECT COUNT(*) FROM shop.public.signups";

describeSqlLinkFlow({
  id: "snowflake",
  config: () => ({ account: "myorg-myaccount", accessUrl: server.url, warehouse: "PACER_WH", role: "PACER_READER", database: "SHOP", user: "pacer_reader" }),
  secrets: () => ({ password: "s3cret-Snowflake-pw" }),
  query,
  write: "UPDATE shop.public.signups SET n = 0",
  setValue(value) {
    server.query = (sql) =>
      sql === query ? snowflakeRows([{ name: "COUNT(*)", type: "fixed", scale: 0, precision: 18 }], [[String(value)]]) : sql === "SELECT CURRENT_VERSION()" ? snowflakeFixture("query-version") : snowflakeFixture("error-syntax");
  },
  sentTexts: () => server.sqlTexts,
  start: async () => void (await server.start()),
  stop: async () => {
    await closeSnowflakePools();
    await server.stop();
  },
});
