import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import nock from "nock";
import { closeHttpServer, listenOnLoopback } from "./loopback.js";

/**
 * A loopback HTTP server answering as an Azure Data Explorer cluster does for azure-kusto-data:
 * `GET /v1/rest/auth/metadata` and `POST /v2/rest/query` (v2 frames, or a OneApi error body).
 * Answers come from tests/fixtures/azuredataexplorer (doc URL in each). azure-kusto-data trusts
 * loopback cluster addresses (as for the Kusto emulator), so the real client talks to it.
 * Entra's token endpoint is simulated with nock (`entraToken`).
 */
const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/azuredataexplorer");
export interface KustoAnswer {
  status: number;
  body: any;
  headers?: Record<string, string>;
}
export const kustoFixture = (name: string): KustoAnswer => {
  const { status, body, headers } = JSON.parse(readFileSync(path.join(fixturesDir, `${name}.json`), "utf8")) as KustoAnswer;
  return { status, body, ...(headers ? { headers } : {}) };
};

/** The count fixture with its primary result's columns and rows replaced. `rawRows` is spliced in as JSON text (for longs beyond 2^53). */
export function kustoRows(columns: Array<[name: string, type: string]>, rows: unknown[][], rawRows?: string): KustoAnswer & { raw?: string } {
  const answer = kustoFixture("query-count");
  const primary = answer.body.find((f: any) => f.TableKind === "PrimaryResult");
  primary.Columns = columns.map(([ColumnName, ColumnType]) => ({ ColumnName, ColumnType }));
  primary.Rows = rawRows ? "__ROWS__" : rows;
  return rawRows ? { ...answer, raw: JSON.stringify(answer.body).replace('"__ROWS__"', rawRows) } : answer;
}

export interface SeenQuery {
  headers: IncomingMessage["headers"];
  body: { db: string; csl: string; properties?: { Options?: Record<string, unknown> } };
}

export class FakeKusto {
  readonly queries: SeenQuery[] = [];
  answer: (csl: string) => KustoAnswer & { raw?: string } = (csl) =>
    csl.startsWith("print cluster") ? kustoRows([["cluster", "string"], ["database", "string"]], [[this.url, "Shop"]]) : kustoFixture("error-syntax");
  url = "";
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let answer: KustoAnswer & { raw?: string } = { status: 404, body: { error: { code: "NotFound", message: "no such endpoint" } } };
        if (req.method === "GET" && req.url === "/v1/rest/auth/metadata") answer = kustoFixture("auth-metadata");
        if (req.method === "POST" && req.url === "/v2/rest/query") {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as SeenQuery["body"];
          this.queries.push({ headers: req.headers, body });
          answer = this.answer(body.csl);
        }
        res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", "x-ms-activity-id": "9dcc4522-7b51-41db-a7ae-7c1bfe0696b2", ...answer.headers });
        res.end(answer.raw ?? JSON.stringify(answer.body));
      });
    });
    this.url = `http://127.0.0.1:${await listenOnLoopback(this.server)}`;
    return this;
  }

  get texts(): string[] {
    return this.queries.map((q) => q.body.csl);
  }

  async stop(): Promise<void> {
    await closeHttpServer(this.server);
  }
}

/** Entra's client-credentials token endpoint for `tenant`; `check` sees the form body. */
export function entraToken(tenant: string, answer: KustoAnswer = kustoFixture("entra-token"), check: (form: URLSearchParams) => void = () => {}) {
  return nock("https://login.microsoftonline.com")
    .post(`/${tenant}/oauth2/v2.0/token`)
    .query(true)
    .reply((_uri, body) => {
      check(new URLSearchParams(String(body)));
      return [answer.status, answer.body];
    });
}
