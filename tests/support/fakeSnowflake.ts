import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { closeHttpServer, listenOnLoopback } from "./loopback.js";

/**
 * A loopback HTTP server answering as Snowflake's driver endpoints do (the ones snowflake-sdk
 * calls): `POST /session/v1/login-request`, `POST /queries/v1/query-request`,
 * `POST /queries/v1/abort-request`, `POST /session?delete=true` and `POST /telemetry/send`.
 * Answers come from tests/fixtures/snowflake (doc URL in each); tests choose them per request and
 * read back every request the driver sent.
 */
const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/snowflake");
export interface SnowflakeAnswer {
  status: number;
  body: any;
  headers?: Record<string, string>;
}
export const snowflakeFixture = (name: string): SnowflakeAnswer => {
  const { status, body } = JSON.parse(readFileSync(path.join(fixturesDir, `${name}.json`), "utf8")) as SnowflakeAnswer;
  return { status, body };
};

export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: any;
}

/** A query answer with the given columns (Snowflake rowtype entries, patched onto the number fixture) and rows. */
export function snowflakeRows(columns: Array<{ name: string; type: string; scale?: number; precision?: number }>, rowset: Array<Array<string | null>>): SnowflakeAnswer {
  const answer = snowflakeFixture("query-number");
  const template = answer.body.data.rowtype[0];
  answer.body.data.rowtype = columns.map((c) => ({ ...template, scale: null, precision: null, ...c, nullable: true }));
  answer.body.data.rowset = rowset;
  answer.body.data.total = rowset.length;
  answer.body.data.returned = rowset.length;
  return answer;
}

export class FakeSnowflake {
  readonly requests: SeenRequest[] = [];
  login: (request: SeenRequest) => SnowflakeAnswer = () => snowflakeFixture("login-ok");
  /** Answers a query-request by its SQL text; unknown text gets a syntax error so a test notices. */
  query: (sqlText: string, request: SeenRequest) => SnowflakeAnswer | Promise<SnowflakeAnswer> = (sql) =>
    sql === "SELECT CURRENT_VERSION()" ? snowflakeFixture("query-version") : snowflakeFixture("error-syntax");
  url = "";
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void (async () => {
          let raw = Buffer.concat(chunks);
          if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
          const url = new URL(req.url ?? "/", "http://127.0.0.1");
          const seen: SeenRequest = { path: url.pathname, query: url.searchParams, headers: req.headers, body: raw.length ? JSON.parse(raw.toString("utf8")) : null };
          this.requests.push(seen);
          let answer: SnowflakeAnswer = { status: 200, body: { data: null, code: null, message: null, success: true } };
          if (seen.path === "/session/v1/login-request") answer = this.login(seen);
          else if (seen.path === "/queries/v1/query-request") answer = await this.query(String(seen.body?.sqlText), seen);
          res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
          res.end(JSON.stringify(answer.body));
        })();
      });
    });
    this.url = `http://127.0.0.1:${await listenOnLoopback(this.server)}`;
    return this;
  }

  /** SQL texts the driver sent, in order. */
  get sqlTexts(): string[] {
    return this.requests.filter((r) => r.path === "/queries/v1/query-request").map((r) => String(r.body?.sqlText));
  }

  reset(): void {
    this.requests.length = 0;
    this.login = () => snowflakeFixture("login-ok");
  }

  async stop(): Promise<void> {
    await closeHttpServer(this.server);
  }
}
