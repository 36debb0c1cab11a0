/** The connector error types (sync/connectors/errors.ts), as stored on links and connections. */
export type ConnectorErrorTypeName = "auth" | "config" | "resultShape" | "rateLimited" | "transient";
