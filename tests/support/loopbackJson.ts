import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeHttpServer, listenOnLoopback } from "./loopback.js";

export interface LoopbackAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A real HTTP server on 127.0.0.1 serving JSON for the Web JSON connector. `values` maps a path
 * to a number served as `{ value: n }`; `handler` overrides any path; `latencyMs` delays every
 * answer (the benchmark's L). Counts requests per path.
 */
export class LoopbackJson {
  readonly values = new Map<string, number>();
  readonly hits = new Map<string, number>();
  handler: ((path: string, req: IncomingMessage) => LoopbackAnswer | undefined) | undefined;
  latencyMs = 0;
  inFlight = 0;
  peakInFlight = 0;
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.answer(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.url = `http://127.0.0.1:${await listenOnLoopback(this.server)}`;
    return this;
  }

  get totalHits(): number {
    return [...this.hits.values()].reduce((a, b) => a + b, 0);
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    this.inFlight -= 1;
    const custom = this.handler?.(path, req);
    const value = this.values.get(path);
    const answer: LoopbackAnswer = custom ?? (value === undefined ? { status: 404, body: { error: "not found" } } : { body: { value } });
    res.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
    res.end(JSON.stringify(answer.body ?? {}));
  }

  async stop(): Promise<void> {
    await closeHttpServer(this.server);
  }
}
