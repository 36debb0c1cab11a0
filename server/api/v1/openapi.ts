import { Router } from "express";
import { z } from "zod";
import { errorBody } from "../../../core/okr/schemas.js";
import type { ApiDescription, Operation } from "../../http/apiRoute.js";

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  return rest;
};

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });

function describe(op: Operation): JsonSchema {
  const pathParams = [...op.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  const queryParams: JsonSchema[] = [];
  if (op.query) {
    const schema = toSchema(op.query, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const { description, ...propertySchema } = property;
      queryParams.push({ name, in: "query", required: schema.required?.includes(name) ?? false, schema: propertySchema, ...(description ? { description } : {}) });
    }
  }
  const versionHeader = op.versioned && op.method !== "get" && op.method !== "post" ? [{ name: "If-Match", in: "header", required: false, schema: { type: "string" }, description: 'ETag of the version you edit (or send "version" in the body)' }] : [];
  const status = String(op.status ?? (op.response || op.produces ? 200 : 204));
  const success = op.produces
    ? { description: "OK", content: { [op.produces]: { schema: { type: "string" } } } }
    : op.response
      ? { description: "OK", content: { "application/json": { schema: toSchema(op.response, "output") } } }
      : { description: "Done" };
  return {
    summary: op.summary,
    tags: [op.tag],
    operationId: `${op.method}${op.path.replace(/[/:-](\w)/g, (_, c: string) => c.toUpperCase()).replace(/\W/g, "")}`,
    parameters: [...pathParams, ...queryParams, ...versionHeader],
    ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: toSchema(op.body, "input") } } } } : {}),
    responses: {
      [status]: success,
      "400": errorResponse("Invalid request: details lists each bad field ({ path, message })"),
      "401": errorResponse("Not signed in"),
      "403": errorResponse("Not allowed for your role"),
      "404": errorResponse("Not found in your organisation"),
      ...(op.method === "get" ? {} : { "409": errorResponse("Stale version (conflict) or a state that forbids the change") }),
    },
  };
}

/** The OpenAPI 3.1 document, generated from the operations' zod schemas. */
export function openApiDocument(api: ApiDescription): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of api.operations) {
    const path = op.path.replace(/:(\w+)/g, "{$1}");
    (paths[path] ??= {})[op.method] = describe(op);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Pacer API",
      version: "1",
      description:
        "OKRs for Microsoft Teams. Every call is scoped to the caller's organisation. Errors are { error: { id, message, details } }. Lists take limit (≤ 100) and cursor, and return nextCursor. Updates need the version you read (body `version` or If-Match); a stale one gets 409.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "Teams SSO access token (or a dev token)" } },
      schemas: { Error: toSchema(errorBody, "output") },
    },
    paths,
  };
}

/** Served without authentication, so tools can read the contract. */
export function openApiRoutes(api: ApiDescription): Router {
  const router = Router();
  let cached: JsonSchema | undefined;
  router.get("/openapi.json", (_req, res) => {
    cached ??= openApiDocument(api);
    res.json(cached);
  });
  return router;
}
