import { type Request, Router } from "express";
import { z } from "zod";
import * as m from "../../../core/powerbi/model.js";
import { minimumGroupSizeOf, type PowerBiService } from "../../../core/powerbi/powerBiService.js";
import { type ApiDescription, operation } from "../../http/apiRoute.js";

/** Power BI feed administration (the admin tab): settings, people's attributes, saved queries and their links, API keys. */
export function powerBiRoutes(powerbi: PowerBiService, api: ApiDescription): Router {
  const router = Router();
  const tag = "Power BI";
  const id = z.string().min(1);

  operation(router, api, { method: "get", path: "/powerbi/settings", tag, summary: "Feed settings: minimum group size, API key parameter name" }, async ({ actor }) =>
    settingsView(await powerbi.settings(actor)),
  );
  operation(router, api, { method: "patch", path: "/powerbi/settings", tag, summary: "Change the minimum group size (org admins)", body: m.feedSettingsUpdate }, async ({ actor, body }) =>
    settingsView(await powerbi.setMinimumGroupSize(actor, body.minimumGroupSize, body.version)),
  );
  operation(router, api, { method: "patch", path: "/powerbi/people/:id", tag, summary: "Set a person's attributes: department, managerName, location (org admins)", body: m.personAttributesUpdate }, async ({ actor, params, body }) => {
    const user = await powerbi.setPersonAttributes(actor, params.id!, body);
    return { id: user._id, name: user.name, department: user.department ?? null, managerName: user.managerName ?? null, location: user.location ?? null };
  });

  operation(router, api, { method: "get", path: "/powerbi/queries", tag, summary: "Saved feed queries, with their links" }, async ({ actor, req, caller }) => ({
    items: (await powerbi.listQueries(actor)).map((q) => queryView(q, feedBase(req), caller.org._id)),
  }));
  operation(router, api, { method: "post", path: "/powerbi/queries", tag, summary: "Save a feed query (org admins)", body: m.feedQueryCreate, status: 201 }, async ({ actor, body, req, caller }) =>
    queryView(await powerbi.createQuery(actor, body), feedBase(req), caller.org._id),
  );
  operation(router, api, { method: "get", path: "/powerbi/queries/:id", tag, summary: "A saved feed query and its link" }, async ({ actor, params, req, caller }) =>
    queryView(await powerbi.getQuery(actor, id.parse(params.id)), feedBase(req), caller.org._id),
  );
  operation(router, api, { method: "patch", path: "/powerbi/queries/:id", tag, summary: "Edit a saved feed query (org admins)", body: m.feedQueryUpdate }, async ({ actor, params, body, req, caller }) =>
    queryView(await powerbi.updateQuery(actor, params.id!, body), feedBase(req), caller.org._id),
  );
  operation(router, api, { method: "delete", path: "/powerbi/queries/:id", tag, summary: "Delete a saved feed query (org admins)" }, async ({ actor, params }) => {
    await powerbi.deleteQuery(actor, params.id!);
  });
  operation(router, api, { method: "get", path: "/powerbi/queries/:id/preview", tag, summary: "Rows and suppressed groups per entity set, and why a set is empty (org admins)" }, async ({ actor, params }) => ({
    items: await powerbi.preview(actor, params.id!),
  }));

  operation(router, api, { method: "get", path: "/powerbi/api-keys", tag, summary: "Your API keys (org admins: everyone's)" }, async ({ actor }) => ({
    items: (await powerbi.listApiKeys(actor)).map(apiKeyView),
  }));
  operation(router, api, { method: "post", path: "/powerbi/api-keys", tag, summary: "Create an API key; the key is shown this once", body: m.apiKeyCreate, status: 201 }, async ({ actor, body }) => {
    const { apiKey, key } = await powerbi.createApiKey(actor, body.name);
    return { ...apiKeyView(apiKey), key };
  });
  operation(router, api, { method: "delete", path: "/powerbi/api-keys/:id", tag, summary: "Revoke an API key (its owner or org admins)" }, async ({ actor, params }) =>
    apiKeyView(await powerbi.revokeApiKey(actor, params.id!)),
  );
  return router;
}

const feedBase = (req: Request) => `${req.protocol}://${req.get("host")}/odata`;

const settingsView = (org: { _id: string; minimumGroupSize?: number; version: number }) => ({
  organizationId: org._id,
  minimumGroupSize: minimumGroupSizeOf(org),
  apiKeyName: m.API_KEY_PARAMETER,
  version: org.version,
});

const queryView = (q: m.FeedQuery, base: string, orgId: string) => ({
  id: q._id,
  name: q.name,
  entitySets: q.entitySets,
  periodIds: q.periodIds,
  teamIds: q.teamIds,
  attributes: q.attributes,
  schemaType: q.schemaType,
  granularity: q.granularity,
  version: q.version,
  createdAt: q.createdAt.toISOString(),
  // What the Link button shows: the URL for Get Data → OData feed and the identifiers in it.
  link: { url: `${base}/${orgId}/${q._id}/`, partition: orgId, query: q._id, apiKeyName: m.API_KEY_PARAMETER },
});

const apiKeyView = (k: m.ApiKey) => ({
  id: k._id,
  name: k.name,
  prefix: k.prefix,
  userId: k.userId,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});
