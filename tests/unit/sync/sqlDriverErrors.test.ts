import { describe, expect, it } from "vitest";
import { mysqlError } from "../../../sync/connectors/mysql/errors.js";
import { pgError } from "../../../sync/sql/pgErrors.js";

/**
 * The driver error mappings for cases the real test servers cannot produce (MySQL proper, a
 * server that demands TLS, driver-side timeouts). Errors are shaped as pg and mysql2 throw them;
 * the servers' own answers are covered by the integration suites.
 */
const at = { engine: "X", where: "db:1/shop", host: "db", user: "reader", database: "shop", connectTimeoutSeconds: 10, timeoutMs: 30_000 };
const withCode = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

describe("pgError (PostgreSQL, Redshift)", () => {
  it("maps SQLSTATEs", () => {
    expect(pgError(withCode('no pg_hba.conf entry for host "10.0.0.1", user "reader", database "shop", no encryption', { code: "28000" }), at)).toMatchObject({
      type: "config",
      message: expect.stringMatching(/^TLS with X failed: the server requires TLS/),
    });
    expect(pgError(withCode("password authentication failed for user \"reader\"", { code: "28P01" }), at)).toMatchObject({ type: "auth" });
    expect(pgError(withCode("canceling statement due to statement timeout", { code: "57014" }), at)).toMatchObject({ type: "transient", message: expect.stringMatching(/30 s statement timeout/) });
    expect(pgError(withCode("syntax error at or near \"FROM\"", { code: "42601", position: "8" }), { ...at, query: "SELECT\n  FROM t" })).toMatchObject({
      type: "config",
      message: 'X cannot run the query: syntax error at or near "FROM" (at line 2, column 1).',
    });
    expect(pgError(withCode("the database system is shutting down", { code: "57P03" }), at)).toMatchObject({ type: "transient", message: expect.stringMatching(/^Cannot connect to X at db:1\/shop/) });
    expect(pgError(withCode("out of memory", { code: "53200" }), at)).toMatchObject({ type: "transient", message: "X failed: out of memory (SQLSTATE 53200)" });
  });

  it("maps the driver's own failures", () => {
    expect(pgError(new Error("The server does not support SSL connections"), at)).toMatchObject({ type: "config", message: expect.stringMatching(/^TLS with X failed/) });
    expect(pgError(new Error("timeout expired"), at)).toMatchObject({ type: "transient", message: "X at db:1/shop did not accept a connection within 10 s." });
    expect(pgError(new Error("Query read timeout"), at)).toMatchObject({ type: "transient", message: expect.stringMatching(/statement timeout/) });
    expect(pgError(withCode("getaddrinfo ENOTFOUND db", { code: "ENOTFOUND" }), at)).toMatchObject({ type: "config", message: expect.stringMatching(/does not resolve/) });
  });
});

describe("mysqlError (MySQL, MariaDB)", () => {
  const server = (errno: number, code: string, sqlMessage: string) => withCode(sqlMessage, { errno, code, sqlMessage, sqlState: "HY000" });

  it("maps MySQL's and MariaDB's error numbers", () => {
    expect(mysqlError(server(3024, "ER_QUERY_TIMEOUT", "Query execution was interrupted, maximum statement execution time exceeded"), at)).toMatchObject({ type: "transient", message: expect.stringMatching(/statement timeout/) });
    expect(mysqlError(server(1969, "ER_STATEMENT_TIMEOUT", "Query execution was interrupted (max_statement_time exceeded)"), at)).toMatchObject({ type: "transient" });
    expect(mysqlError(server(1698, "ER_ACCESS_DENIED_NO_PASSWORD_ERROR", "Access denied for user 'reader'@'10.0.0.2'"), at)).toMatchObject({ type: "auth" });
    expect(mysqlError(server(1792, "ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION", "Cannot execute statement in a READ ONLY transaction."), at)).toMatchObject({ type: "config", message: expect.stringMatching(/^X refused a change/) });
    expect(mysqlError(server(1142, "ER_TABLEACCESS_DENIED_ERROR", "SELECT command denied to user 'reader'@'%' for table `shop`.`salaries`"), at).message).toMatch(/salaries/);
    expect(mysqlError(server(1040, "ER_CON_COUNT_ERROR", "Too many connections"), at)).toMatchObject({ type: "transient", message: expect.stringMatching(/^Cannot connect/) });
  });

  it("maps mysql2's own failures", () => {
    expect(mysqlError(withCode("Server does not support secure connection", { code: "HANDSHAKE_NO_SSL_SUPPORT", fatal: true }), at)).toMatchObject({ type: "config", message: expect.stringMatching(/^TLS with X failed/) });
    expect(mysqlError(withCode("Query inactivity timeout", { code: "PROTOCOL_SEQUENCE_TIMEOUT", fatal: true }), at)).toMatchObject({ type: "transient", message: expect.stringMatching(/statement timeout/) });
    expect(mysqlError(withCode("connect ETIMEDOUT", { code: "ETIMEDOUT", errno: "ETIMEDOUT", fatal: true }), at)).toMatchObject({ message: "X at db:1/shop did not accept a connection within 10 s." });
    expect(mysqlError(withCode("connect ECONNREFUSED 10.0.0.1:3306", { code: "ECONNREFUSED", errno: -111 }), at)).toMatchObject({ type: "transient", message: expect.stringMatching(/refused the connection/) });
  });
});
