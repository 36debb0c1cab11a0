import { type ErrorRequestHandler, type Request, type Response, Router } from "express";
import { badRequest, notFound, notImplemented } from "../../core/errors/appError.js";
import type { Row } from "../../core/powerbi/columns.js";
import { API_KEY_PARAMETER, FEED_ENTITY_SETS, type FeedEntitySet } from "../../core/powerbi/model.js";
import type { PowerBiService } from "../../core/powerbi/powerBiService.js";
import { toAppError } from "../http/errorHandler.js";

/** Rows per page unless the client asks for fewer with `Prefer: odata.maxpagesize`. */
export const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 5000;

const JSON_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/**
 * The OData v4 feed for Power BI: `/odata/<organisation id>/<query id>/` serves the service
 * document, `$metadata` and one entity set per entity of the saved query. Authenticated by API
 * key (the `ApiKey` URL parameter, as Power BI's ApiKeyName option sends it, or a bearer token),
 * not by the tab's sign-in. Errors use the OData JSON error format.
 */
export function odataRoutes(powerbi: PowerBiService): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader("OData-Version", "4.0");
    next();
  });

  router.get(/^\/([^/]+)\/([^/]+)(?:\/(.*))?$/, async (req, res) => {
    const params = req.params as unknown as Record<string, string | undefined>;
    const partition = params[0]!;
    const queryId = params[1]!;
    const rest = params[2] ?? "";
    const search = searchParams(req);
    const caller = await powerbi.authenticate(apiKeyOf(req, search), partition);
    req.log?.setBindings?.({ tenantId: caller.org.tenantId, userId: caller.user._id, apiKeyId: caller.key._id });
    const query = await powerbi.feedQuery(caller, queryId);
    const root = `${req.protocol}://${req.get("host")}/odata/${encodeURIComponent(partition)}/${encodeURIComponent(queryId)}/`;
    res.setHeader("Pacer-Data-Granularity", query.granularity === "rowLevel" ? "row-level" : "aggregated");

    if (rest === "") {
      res.type(JSON_TYPE).send(
        JSON.stringify({
          "@odata.context": `${root}$metadata`,
          value: query.entitySets.map((name) => ({ name, kind: "EntitySet", url: name })),
        }),
      );
      return;
    }
    if (rest === "$metadata") {
      res.type("application/xml;charset=utf-8").send(powerbi.metadata(caller, query));
      return;
    }
    if (rest === "$batch") throw notImplemented("$batch is not supported; send one request per entity set.");
    const match = /^([A-Za-z]+)(\(.*\))?(?:\/(\$count))?$/.exec(rest);
    const entitySet = match?.[1];
    if (!match || !entitySet || !(FEED_ENTITY_SETS as readonly string[]).includes(entitySet) || !query.entitySets.includes(entitySet as FeedEntitySet)) {
      throw notFound(`The entity set '${rest}'`);
    }
    if (match[2]) throw notImplemented(`Reading single entities (${entitySet}${match[2]}) is not supported; use $filter on the key.`);

    const odata = Object.fromEntries([...search.entries()].filter(([key]) => key !== API_KEY_PARAMETER));
    if (match[3]) {
      const { $top: _top, $skip: _skip, ...counted } = odata;
      const page = await powerbi.read(caller, query, entitySet as FeedEntitySet, counted, 0);
      res.type("text/plain;charset=utf-8").send(String(page.total));
      return;
    }
    const pageSize = preferredPageSize(req, res);
    const page = await powerbi.read(caller, query, entitySet as FeedEntitySet, odata, pageSize);
    const body: Record<string, unknown> = {
      "@odata.context": `${root}$metadata#${entitySet}${page.options.select ? `(${page.options.select.join(",")})` : ""}`,
    };
    if (page.options.count) body["@odata.count"] = page.total;
    body.value = page.rows.map(toJson);
    if (page.nextSkip !== null) body["@odata.nextLink"] = nextLink(`${root}${entitySet}`, odata, page.nextSkip, page.options.skip, page.options.top);
    res.type(JSON_TYPE).send(JSON.stringify(body));
  });

  router.use((req, _res, next) => next(notFound(`${req.method} ${req.path}`)));
  router.use(odataErrors);
  return router;
}

/** Query parameters exactly as sent; a repeated OData option is refused rather than guessed. */
function searchParams(req: Request): URLSearchParams {
  const search = new URL(req.originalUrl, "http://pacer.invalid").searchParams;
  for (const key of new Set(search.keys())) {
    if (search.getAll(key).length > 1) throw badRequest(`The parameter ${key} is given more than once.`, [{ path: key, message: "is repeated" }]);
  }
  return search;
}

function apiKeyOf(req: Request, search: URLSearchParams): string | undefined {
  const fromUrl = search.get(API_KEY_PARAMETER);
  if (fromUrl) return fromUrl;
  const header = req.headers.authorization;
  const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return bearer?.[1];
}

function preferredPageSize(req: Request, res: Response): number {
  const prefer = req.get("prefer");
  const match = prefer ? /(?:^|[,;\s])odata\.maxpagesize\s*=\s*(\d{1,9})/i.exec(prefer) : null;
  if (!match) return DEFAULT_PAGE_SIZE;
  const size = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(match[1])));
  res.setHeader("Preference-Applied", `odata.maxpagesize=${size}`);
  return size;
}

function nextLink(base: string, odata: Record<string, string>, nextSkip: number, skip: number, top: number | null): string {
  const params = Object.entries(odata).filter(([key]) => key !== "$skip" && key !== "$top");
  params.push(["$skip", String(nextSkip)]);
  if (top !== null) params.push(["$top", String(skip + top - nextSkip)]);
  // `$` stays literal in option names, as OData clients write them.
  const encode = (text: string) => encodeURIComponent(text).replace(/%24/g, "$");
  return `${base}?${params.map(([key, value]) => `${encode(key)}=${encodeURIComponent(value)}`).join("&")}`;
}

const toJson = (row: Row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));

/** OData JSON errors: `{ "error": { "code", "message", "details": [{ code, target, message }] } }`. */
const odataErrors: ErrorRequestHandler = (error, req, res, _next) => {
  const appError = toAppError(error);
  if (appError.status >= 500 && appError.status !== 501) req.log?.error({ err: error }, appError.message);
  if (res.headersSent) return;
  if (appError.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="Pacer OData feed"');
  if (appError.status === 503) res.setHeader("Retry-After", "5");
  const details = Array.isArray(appError.details)
    ? (appError.details as Array<{ path?: string; message?: string }>).map((d) => ({ code: appError.id, target: d.path ?? null, message: d.message ?? "" }))
    : undefined;
  res
    .status(appError.status)
    .type("application/json;odata.metadata=minimal;charset=utf-8")
    .send(JSON.stringify({ error: { code: appError.id, message: appError.message, ...(details ? { details } : {}) } }));
};
