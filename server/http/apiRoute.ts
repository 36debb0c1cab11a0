import type { Request, Response, Router } from "express";
import type { z } from "zod";
import type { Caller } from "../../core/auth/callerResolver.js";
import { badRequest } from "../../core/errors/appError.js";
import { type Actor, userActor } from "../../core/okr/actor.js";
import { callerOf } from "./authenticate.js";
import { parse } from "./validate.js";

/**
 * One declaration per API operation: method, path, schemas and a handler. The same declaration
 * validates the request and describes the operation in /api/v1/openapi.json, so the published
 * contract cannot drift from what the code accepts.
 */
export interface Operation<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: "get" | "post" | "patch" | "put" | "delete";
  /** Express-style path under /api/v1, e.g. `/objectives/:id`. */
  path: string;
  summary: string;
  tag: string;
  body?: B;
  query?: Q;
  /** Shape of the success body (omit for CSV or empty answers). */
  response?: z.ZodType;
  /** Success status (default 200). */
  status?: number;
  /** Media type of the success body when not JSON. */
  produces?: string;
  /** Responds with an ETag / honours If-Match. */
  versioned?: boolean;
}

export interface OperationContext<B extends z.ZodType, Q extends z.ZodType> {
  req: Request;
  res: Response;
  caller: Caller;
  actor: Actor;
  body: z.output<B>;
  query: z.output<Q>;
  params: Record<string, string>;
  /** The version the caller edits against: `version` in the body or an `If-Match` ETag. Required. */
  expectedVersion(): number;
  /** Same, but optional (deletes). */
  optionalVersion(): number | undefined;
}

export class ApiDescription {
  readonly operations: Operation[] = [];
}

/** `If-Match: "3"` or `W/"3"` → 3. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!match) throw badRequest("If-Match must be an ETag this API returned.", [{ path: "If-Match", message: 'must look like "3"' }]);
  return Number(match[1]);
}

export const etag = (version: number) => `"${version}"`;

/** The surface a REST call comes from: the tab marks its calls, anything else is the API. */
const originOf = (req: Request) => (req.headers["x-pacer-client"] === "tab" ? "tab" : "api");

export function operation<B extends z.ZodType, Q extends z.ZodType>(
  router: Router,
  api: ApiDescription,
  op: Operation<B, Q>,
  handler: (ctx: OperationContext<B, Q>) => Promise<unknown>,
): void {
  api.operations.push(op as unknown as Operation);
  router[op.method](op.path, async (req, res) => {
    const caller = callerOf(req);
    const body = op.body ? parse(op.body, req.body ?? {}) : (undefined as z.output<B>);
    const query = op.query ? parse(op.query, req.query, "query") : (undefined as z.output<Q>);
    const optionalVersion = () => {
      const fromHeader = ifMatchVersion(req.get("if-match"));
      const fromBody = (body as { version?: number } | undefined)?.version;
      if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
        throw badRequest("The body's version and If-Match disagree.", [{ path: "version", message: "differs from If-Match" }]);
      }
      return fromBody ?? fromHeader;
    };
    const ctx: OperationContext<B, Q> = {
      req,
      res,
      caller,
      actor: userActor(caller.tenantId, caller.user, originOf(req)),
      body,
      query,
      params: req.params as Record<string, string>,
      optionalVersion,
      expectedVersion() {
        const version = optionalVersion();
        if (version === undefined) {
          throw badRequest("Say which version you are changing.", [{ path: "version", message: "is required (or send an If-Match header)" }]);
        }
        return version;
      },
    };
    const result = await handler(ctx);
    if (res.headersSent) return;
    // A handler may pick another success status (e.g. 200 for an idempotent replay) via res.locals.status.
    const status = typeof res.locals.status === "number" ? res.locals.status : undefined;
    if (result === undefined) {
      res.status(status ?? op.status ?? 204).end();
      return;
    }
    if (op.versioned && typeof (result as { version?: unknown }).version === "number") {
      res.setHeader("ETag", etag((result as { version: number }).version));
    }
    res.status(status ?? op.status ?? 200).json(result);
  });
}
