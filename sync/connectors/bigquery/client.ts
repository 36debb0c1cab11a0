import { randomUUID } from "node:crypto";
import { BigQuery } from "@google-cloud/bigquery";
import type { ConnectorError } from "../errors.js";
import { configError, transientError } from "../errors.js";
import { type ErrorContext, translateGoogleError } from "./googleErrors.js";
import type { Field, QueryResult } from "./result.js";

/** What the connector needs of a connection (its config plus the opened key). */
export interface BigQueryConnection {
  projectId: string;
  location?: string | undefined;
  apiEndpoint?: string | undefined;
  credentials: "serviceAccountKey" | "ambient";
  maximumBytesBilled: number;
  timeoutSeconds: number;
  serviceAccountKey?: string | undefined;
}

export interface ServiceAccountKey {
  type: "service_account";
  client_email: string;
  private_key: string;
  project_id?: string;
  token_uri?: string;
}

/** Why a pasted key is unusable, or null. */
export function keyProblem(text: string): string | null {
  let key: Partial<ServiceAccountKey>;
  try {
    key = JSON.parse(text) as Partial<ServiceAccountKey>;
  } catch {
    return "is not JSON: paste the whole key file that Google Cloud downloaded";
  }
  if (!key || typeof key !== "object") return "is not a JSON object";
  if (key.type !== "service_account") return `is a "${String(key.type)}" credential, not a service-account key`;
  if (typeof key.client_email !== "string" || !key.client_email.includes("@")) return "has no client_email";
  if (typeof key.private_key !== "string" || !key.private_key.includes("PRIVATE KEY")) return "has no private_key";
  return null;
}

/** Ambient credentials are Pacer's own identity, so they are off unless the operator turns them on. */
export const ambientAllowed = () => process.env.PACER_BIGQUERY_ALLOW_AMBIENT === "1";

/**
 * One BigQuery client per call, talking REST through `@google-cloud/bigquery`'s authenticated
 * `request` (the library's own query helpers turn INT64/NUMERIC into JS numbers and retry by
 * themselves; Pacer needs the exact strings and leaves retries to the sync engine).
 */
export class BigQueryCalls {
  readonly client: BigQuery;
  readonly errors: ErrorContext;
  private readonly deadline: number;

  constructor(
    readonly connection: BigQueryConnection,
    private readonly signal: AbortSignal,
  ) {
    let principal: string | null = null;
    let credentials: { client_email: string; private_key: string } | undefined;
    if (connection.credentials === "serviceAccountKey") {
      if (!connection.serviceAccountKey) throw configError("The connection has no service-account key: an admin must paste one (or choose ambient credentials).");
      const problem = keyProblem(connection.serviceAccountKey);
      if (problem) throw configError(`The connection's service-account key ${problem}.`);
      const key = JSON.parse(connection.serviceAccountKey) as ServiceAccountKey;
      principal = key.client_email;
      credentials = { client_email: key.client_email, private_key: key.private_key };
    } else if (!ambientAllowed()) {
      throw configError("Ambient Google credentials are turned off on this Pacer (PACER_BIGQUERY_ALLOW_AMBIENT): use a service-account key.");
    }
    this.client = new BigQuery({
      projectId: connection.projectId,
      ...(connection.location ? { location: connection.location } : {}),
      ...(connection.apiEndpoint ? { apiEndpoint: connection.apiEndpoint.replace(/\/+$/, "") } : {}),
      ...(credentials ? { credentials } : {}),
      retryOptions: { autoRetry: false, maxRetries: 0 },
    });
    this.errors = { projectId: connection.projectId, maximumBytesBilled: connection.maximumBytesBilled, principal };
    this.deadline = Date.now() + connection.timeoutSeconds * 1000;
  }

  remainingMs(): number {
    return this.deadline - Date.now();
  }

  private request<T>(options: { method: "GET" | "POST"; uri: string; json?: unknown; qs?: Record<string, unknown>; waitMs: number }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.signal.aborted) return reject(translateGoogleError(this.signal.reason ?? new DOMException("aborted", "AbortError"), this.errors));
      const onAbort = () => reject(translateGoogleError(Object.assign(new Error("aborted"), { name: "AbortError" }), this.errors));
      this.signal.addEventListener("abort", onAbort, { once: true });
      this.client.request(
        // The HTTP timeout leaves BigQuery its own `timeoutMs` to wait server-side, plus slack.
        { method: options.method, uri: options.uri, json: options.json ?? true, qs: options.qs, timeout: options.waitMs + 10_000 } as never,
        (error: unknown, body: unknown) => {
          this.signal.removeEventListener("abort", onAbort);
          if (error) reject(translateGoogleError(error, this.errors));
          else resolve(body as T);
        },
      );
    });
  }

  /** jobs.insert with `dryRun: true`: validates the SQL, costs nothing, says what it is and what it would scan. */
  async dryRun(query: string): Promise<DryRun> {
    const job = await this.request<DryRunJob>({
      method: "POST",
      uri: "/jobs",
      json: {
        jobReference: { projectId: this.connection.projectId, jobId: `pacer_dryrun_${randomUUID().replaceAll("-", "")}`, ...(this.connection.location ? { location: this.connection.location } : {}) },
        configuration: {
          dryRun: true,
          query: { query, useLegacySql: false, maximumBytesBilled: String(this.connection.maximumBytesBilled) },
        },
      },
      waitMs: 0,
    });
    const stats = job.statistics?.query;
    return {
      statementType: stats?.statementType,
      totalBytesProcessed: Number(stats?.totalBytesProcessed ?? job.statistics?.totalBytesProcessed ?? 0),
      fields: stats?.schema?.fields,
    };
  }

  /** jobs.query, then jobs.getQueryResults until the job completes or the connection's timeout passes. */
  async run(query: string): Promise<QueryResponse> {
    const waitMs = () => Math.max(0, Math.min(10_000, this.remainingMs()));
    let response = await this.request<QueryResponse>({
      method: "POST",
      uri: "/queries",
      json: {
        query,
        useLegacySql: false,
        maximumBytesBilled: String(this.connection.maximumBytesBilled),
        // BigQuery itself cancels the job at this limit, so an abandoned poll leaves nothing running.
        jobTimeoutMs: String(this.connection.timeoutSeconds * 1000),
        timeoutMs: waitMs(),
        maxResults: 2,
        requestId: randomUUID(),
        labels: { "pacer-connector": "bigquery" },
        ...(this.connection.location ? { location: this.connection.location } : {}),
      },
      waitMs: waitMs(),
    });
    while (response.jobComplete === false) {
      const jobId = response.jobReference?.jobId;
      if (!jobId) throw transientError("BigQuery did not finish the query and gave no job to wait for; Pacer will try again.");
      if (this.remainingMs() <= 0) throw this.timedOut();
      const location = response.jobReference?.location ?? this.connection.location;
      response = await this.request<QueryResponse>({
        method: "GET",
        uri: `/queries/${encodeURIComponent(jobId)}`,
        qs: { timeoutMs: waitMs(), maxResults: 2, ...(location ? { location } : {}) },
        waitMs: waitMs(),
      });
      if (response.jobComplete === false && this.remainingMs() <= 0) throw this.timedOut();
    }
    return response;
  }

  private timedOut(): ConnectorError {
    return transientError(
      `The query did not finish within ${this.connection.timeoutSeconds} s (BigQuery cancels it at that limit). Pacer will try again; make the query cheaper if this keeps happening.`,
    );
  }
}

export interface DryRun {
  statementType: string | undefined;
  totalBytesProcessed: number;
  fields: Field[] | undefined;
}

interface DryRunJob {
  statistics?: {
    totalBytesProcessed?: string;
    query?: { statementType?: string; totalBytesProcessed?: string; schema?: { fields?: Field[] } };
  };
}

export interface QueryResponse extends QueryResult {
  jobComplete?: boolean;
  jobReference?: { projectId?: string; jobId?: string; location?: string };
  totalBytesProcessed?: string;
  totalBytesBilled?: string;
  cacheHit?: boolean;
}
