import { z } from "zod";
import { type ConnectorContext, type ConnectorDefinition, defaultRateLimit } from "../../../core/integrations/contract.js";
import { configError, errorFromResponse, resultShapeError, transientError } from "../errors.js";

/**
 * Web JSON: reads one number out of a JSON document served over HTTP(S). Connection = a base URL
 * (and an optional bearer token); source = a path under it and a dotted path to the number
 * (`data.items.0.count`, `$.total`). Needs no vendor server, which is why the sync engine's tests
 * and the benchmark use it against a loopback server.
 */
const config = z
  .object({
    baseUrl: z
      .string()
      .trim()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), "must be an http or https address")
      .describe("e.g. https://status.example.com/api"),
  })
  .strict();
const secrets = z.object({ bearerToken: z.string().min(1).max(4000).optional() }).strict();
const source = z
  .object({
    path: z.string().trim().max(2000).default("").describe("appended to the base URL, e.g. /metrics/signups.json"),
    valuePath: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .regex(/^(\$\.?)?[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$|^\$$/, "a dotted path such as data.total or items.0.count")
      .describe("where the number is in the JSON answer"),
  })
  .strict();

type Config = z.infer<typeof config>;
type Secrets = z.infer<typeof secrets>;
type Source = z.infer<typeof source>;

export function urlFor(base: string, path: string): URL {
  if (!path) return new URL(base);
  const joined = base.replace(/\/+$/, "") + "/" + path.replace(/^\/+/, "");
  const url = new URL(joined);
  if (!url.href.startsWith(new URL(base).origin)) throw configError("The path must stay on the connection's server.");
  return url;
}

/** `a.b.0.c` (optionally `$.`-prefixed) → the value there, or undefined. */
export function pick(document: unknown, valuePath: string): unknown {
  const parts = valuePath.replace(/^\$\.?/, "").split(".").filter(Boolean);
  let current: unknown = document;
  for (const part of parts) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

async function getJson(ctx: ConnectorContext<Config, Secrets>, url: URL): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (ctx.secrets.bearerToken) headers.authorization = `Bearer ${ctx.secrets.bearerToken}`;
  const response = await ctx.http(url, { headers });
  if (!response.ok) throw errorFromResponse(response, "The web server");
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw resultShapeError("The answer is not JSON.");
  }
}

const webjson: ConnectorDefinition<Config, Secrets, Source> = {
  id: "webjson",
  displayName: "Web JSON",
  description: "Read a number from any JSON document served over HTTP(S), optionally with a bearer token.",
  icon:
    "data:image/svg+xml;base64," +
    Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#5b5fc7"/><text x="16" y="21" font-family="monospace" font-size="12" fill="#fff" text-anchor="middle">{ }</text></svg>',
    ).toString("base64"),
  type: "data",
  category: "third-party",
  termsUrl: "https://github.com/pacer-okr/pacer/blob/main/LICENSE",
  docsUrl: "https://github.com/pacer-okr/pacer#web-json",
  mode: "pull",
  schemas: { connectionConfig: config, secrets, sourceConfig: source },
  rateLimit: { ...defaultRateLimit, maxConcurrentPerConnection: 8 },

  async testConnection(ctx) {
    const response = await ctx.http(new URL(ctx.config.baseUrl), {
      method: "GET",
      headers: ctx.secrets.bearerToken ? { authorization: `Bearer ${ctx.secrets.bearerToken}` } : {},
    });
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403 || response.status === 429 || response.status >= 500) {
      throw errorFromResponse(response, "The web server");
    }
    return { message: `Reached ${new URL(ctx.config.baseUrl).origin} (HTTP ${response.status}).` };
  },

  async fetchValue(ctx, src) {
    const document = await getJson(ctx, urlFor(ctx.config.baseUrl, src.path));
    const found = pick(document, src.valuePath);
    if (found === undefined) throw configError(`Nothing at "${src.valuePath}" in the answer.`);
    const value = typeof found === "string" && found.trim() !== "" ? Number(found) : found;
    if (typeof value !== "number" || !Number.isFinite(value)) throw resultShapeError(`"${src.valuePath}" is not a number.`);
    if (Math.abs(value) > 1e15) throw transientError("The number is implausibly large.");
    return { value, details: null, asOf: new Date() };
  },
};

export default webjson;
