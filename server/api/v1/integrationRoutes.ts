import { Router, type Request } from "express";
import { z } from "zod";
import { AppError } from "../../../core/errors/appError.js";
import { resourcePickerOf } from "../../../core/integrations/contract.js";
import { objectiveNotLinkable, rateLimitExceeded, sourceError } from "../../../core/integrations/errors.js";
import type { IntegrationService } from "../../../core/integrations/integrationService.js";
import { linkTarget, type OrgIntegrations } from "../../../core/integrations/model.js";
import { canCreateConnection, isIntegrationAdmin, isTenantAdmin } from "../../../core/integrations/permissions.js";
import * as s from "../../../core/integrations/schemas.js";
import type { Caller } from "../../../core/auth/callerResolver.js";
import type { Actor } from "../../../core/okr/actor.js";
import type { ConnectorError } from "../../../sync/connectors/errors.js";
import type { ConnectorRunner } from "../../../sync/engine/connectorRunner.js";
import type { SyncEngine } from "../../../sync/engine/syncEngine.js";
import { projectTasksFromItems } from "../../../sync/connectors/azuredevops/projectTasks.js";
import { summarize } from "../../../sync/engine/projectLinks.js";
import { projectView } from "./okrViews.js";
import { type ApiDescription, operation } from "../../http/apiRoute.js";
import { type KeyResult, MAX_TASKS_PER_PROJECT, type Project } from "../../../core/okr/model.js";
import { connectionView, formSchemas, linkView } from "./integrationViews.js";

export interface IntegrationRouteDeps {
  service: IntegrationService;
  engine: SyncEngine;
  runner: ConnectorRunner;
}

const pushUrl = (req: Request, token: string) => `${req.protocol}://${req.get("host")}/api/v1/push/${token}`;

/** A connector failure as an API error: 429 with Retry-After when rate limited, else 422 `source_error`. */
function connectorFailure(error: ConnectorError | { type: string; message: string }, retryAfterMs?: number): AppError {
  if (error.type === "rateLimited") return rateLimitExceeded(error.message, retryAfterMs ?? (error as { retryAfterMs?: number }).retryAfterMs ?? 60_000);
  return sourceError(error.type, error.message);
}

/**
 * Integrations: the catalogue and this org's state, the tenant allow-list, enable/disable,
 * connections (secrets write-only), and the KR link flow (preview, save, status, refresh, unlink).
 */
export function integrationRoutes(deps: IntegrationRouteDeps, api: ApiDescription): Router {
  const router = Router();
  const { service: integrations, engine, runner } = deps;
  const tag = "Integrations";

  const orgView = (settings: OrgIntegrations, caller: Caller, actor: Actor) => ({
    allowList: settings.allowList,
    membersCreateConnections: settings.membersCreateConnections,
    syncIntervalMinutes: settings.syncIntervalMinutes,
    version: settings.version,
    you: { tenantAdmin: isTenantAdmin(caller), orgAdmin: isIntegrationAdmin(actor), canCreateConnections: canCreateConnection(actor, settings) },
  });
  const catalogue = async (caller: Caller, actor: Actor) => {
    const { settings, entries } = await integrations.catalogue(actor);
    return {
      ...orgView(settings, caller, actor),
      items: entries.map(({ definition: d, allowed, enabled }) => ({
        id: d.id,
        displayName: d.displayName,
        description: d.description,
        icon: d.icon,
        type: d.type,
        category: d.category,
        termsUrl: d.termsUrl,
        docsUrl: d.docsUrl,
        mode: d.mode,
        allowed,
        state: (!allowed ? "not_allowed" : enabled ? "enabled" : "disabled") as "enabled" | "disabled" | "not_allowed",
        canPreviewResources: typeof d.listResources === "function",
        resources: resourcePickerOf(d),
        entraSignIn: d.entraSignIn !== undefined,
        otherSignInFields: d.entraSignIn?.otherFields ?? [],
        schemas: formSchemas(d),
      })),
    };
  };

  operation(router, api, { method: "get", path: "/integrations", tag, summary: "The integrations Pacer implements, with this organisation's state", response: s.catalogueView }, async ({ caller, actor }) =>
    catalogue(caller, actor),
  );
  operation(router, api, { method: "put", path: "/integrations/allow-list", tag, summary: "Set which integrations the tenant allows (tenant admin)", body: s.allowListUpdate, response: s.catalogueView }, async ({ caller, actor, body }) => {
    await integrations.setAllowList(caller, actor, body);
    return catalogue(caller, actor);
  });
  operation(router, api, { method: "patch", path: "/integrations/settings", tag, summary: "Organisation settings: members create connections, sync interval (org admins)", body: s.integrationSettingsUpdate, response: s.catalogueView }, async ({ caller, actor, body }) => {
    await integrations.updateSettings(actor, body);
    return catalogue(caller, actor);
  });
  operation(router, api, { method: "post", path: "/integrations/:integrationId/enable", tag, summary: "Enable an allowed integration (org admins)", body: s.enableBody, response: s.catalogueView }, async ({ caller, actor, params, body }) => {
    await integrations.setEnabled(actor, params.integrationId!, true, body.version);
    return catalogue(caller, actor);
  });
  operation(router, api, { method: "post", path: "/integrations/:integrationId/disable", tag, summary: "Disable an integration: its links pause, values kept (org admins)", body: s.enableBody, response: s.catalogueView }, async ({ caller, actor, params, body }) => {
    await integrations.setEnabled(actor, params.integrationId!, false, body.version);
    return catalogue(caller, actor);
  });

  const conn = "Connections";
  operation(router, api, { method: "get", path: "/integrations/:integrationId/connections", tag: conn, summary: "Connections you can see (shared, yours; admins see all)", response: z.object({ items: z.array(s.connectionView) }) }, async ({ actor, params }) => {
    integrations.definition(params.integrationId!);
    return { items: (await integrations.listConnections(actor, params.integrationId!)).map(connectionView) };
  });
  operation(router, api, { method: "post", path: "/integrations/:integrationId/connections/test", tag: conn, summary: "Test a connection before saving it", body: s.connectionTest, response: s.testView }, async ({ actor, params, body }) => {
    const { definition, config, secrets } = await integrations.prepareTest(actor, params.integrationId!, body);
    const result = await runner.test(definition, config, secrets);
    return { ok: result.ok, message: result.message, errorType: result.ok ? null : result.errorType };
  });
  operation(router, api, { method: "post", path: "/integrations/:integrationId/connections", tag: conn, summary: "Create a named connection (secrets are encrypted, never returned)", body: s.connectionCreate, response: s.connectionView, status: 201, versioned: true }, async ({ actor, params, body }) =>
    connectionView(await integrations.createConnection(actor, params.integrationId!, body)),
  );
  operation(router, api, { method: "get", path: "/connections/:id", tag: conn, summary: "Get a connection (without its secrets)", response: s.connectionView, versioned: true }, async ({ actor, params }) =>
    connectionView(await integrations.getConnection(actor, params.id!)),
  );
  operation(router, api, { method: "patch", path: "/connections/:id", tag: conn, summary: "Edit a connection (creator or org admins); resumes links stopped by auth/config errors", body: s.connectionUpdate, response: s.connectionView, versioned: true }, async ({ actor, params, body, optionalVersion }) =>
    connectionView(await integrations.updateConnection(actor, params.id!, { ...body, version: optionalVersion() })),
  );
  operation(router, api, { method: "delete", path: "/connections/:id", tag: conn, summary: "Delete a connection; its links keep their value and show \"connection removed\"" }, async ({ actor, params, optionalVersion }) => {
    await integrations.deleteConnection(actor, params.id!, optionalVersion());
  });
  operation(router, api, { method: "post", path: "/connections/:id/test", tag: conn, summary: "Test a saved connection", response: s.testView }, async ({ actor, params }) => {
    const usable = await integrations.usableConnection(actor, params.id!, "use");
    const result = await runner.test(usable.definition, usable.config, usable.secrets);
    const errorType = result.ok ? null : result.errorType;
    await integrations.recordTest(actor.tenantId, params.id!, { at: new Date(), ok: result.ok, message: result.message, errorType });
    return { ok: result.ok, message: result.message, errorType };
  });
  operation(router, api, { method: "get", path: "/connections/:id/resources", tag: conn, summary: "Resources to pick a source from (queries, tables…)", query: s.resourcesQuery, response: s.resourceView }, async ({ actor, params, query }) => {
    const usable = await integrations.usableConnection(actor, params.id!, "use");
    try {
      return { items: await runner.listResources(usable.definition, usable.config, usable.secrets, query.search) };
    } catch (error) {
      throw connectorFailure(error as ConnectorError);
    }
  });

  const link = "Key result links";
  operation(router, api, { method: "post", path: "/objectives/:id/link", tag: link, summary: "Objectives cannot be linked (always 400)" }, async () => {
    throw objectiveNotLinkable();
  });
  operation(router, api, { method: "post", path: "/key-results/:id/link/preview", tag: link, summary: "The value a source returns now, before saving the link", body: s.linkPreviewInput, response: s.valueView }, async ({ actor, params, body }) => {
    const prepared = await integrations.prepareLink(actor, params.id!, body);
    if (prepared.definition.mode === "push") throw new AppError("invalid_request", 400, "A webhook link has nothing to preview: values arrive at its secret URL.");
    try {
      const fetched = await runner.fetchValue(prepared.definition, prepared.config, prepared.secrets, prepared.source);
      return { value: fetched.value, details: fetched.details, asOf: fetched.asOf.toISOString() };
    } catch (error) {
      throw connectorFailure(error as ConnectorError);
    }
  });
  operation(router, api, { method: "put", path: "/key-results/:id/link", tag: link, summary: "Link the key result to a source (push links: the answer carries the secret URL, once)", body: s.linkInput, response: s.linkView, versioned: true }, async ({ req, actor, params, body }) => {
    const { link: saved, pushToken } = await integrations.saveLink(actor, params.id!, body);
    return linkView(saved, integrations.registry, pushToken ? pushUrl(req, pushToken) : undefined);
  });
  operation(router, api, { method: "get", path: "/key-results/:id/link", tag: link, summary: "The key result's link and its sync status", response: s.linkView, versioned: true }, async ({ actor, params }) =>
    linkView(await integrations.getLink(actor, params.id!), integrations.registry),
  );
  operation(router, api, { method: "delete", path: "/key-results/:id/link", tag: link, summary: "Unlink (the key result keeps its value and history)" }, async ({ actor, params }) => {
    await integrations.unlink(actor, params.id!);
  });
  operation(router, api, { method: "post", path: "/key-results/:id/link/push-url", tag: link, summary: "Regenerate a push link's secret URL (the old one stops working)", response: s.linkView }, async ({ req, actor, params }) => {
    const { link: saved, pushToken } = await integrations.regeneratePushToken(actor, params.id!);
    return linkView(saved, integrations.registry, pushUrl(req, pushToken));
  });
  operation(router, api, { method: "post", path: "/key-results/:id/link/refresh", tag: link, summary: "Sync now: answers with the new value, or the error", response: s.refreshView }, async ({ res, actor, params }) => {
    const { link: current } = await integrations.refreshable(actor, params.id!);
    const outcome = await engine.refresh(current);
    if (!outcome.ok && outcome.error) {
      const failure = connectorFailure(outcome.error, outcome.retryAfterMs);
      if (failure.status === 429) res.setHeader("Retry-After", String(Math.ceil((outcome.retryAfterMs ?? 60_000) / 1000)));
      throw failure;
    }
    const after = await integrations.getLink(actor, params.id!);
    return { ok: true, value: outcome.value, details: outcome.details, changed: outcome.changed, link: linkView(after, integrations.registry) };
  });
  // Projects: "Add tasks → Automatically from a data source". The same link services, target = the project.
  const projectLink = "Project links";
  const projectTarget = (id: string) => ({ type: "project" as const, id });
  operation(router, api, { method: "post", path: "/projects/:id/link/preview", tag: projectLink, summary: "The tasks and progress a source gives the project now, before saving the link", body: s.linkPreviewInput, response: s.projectPreviewView }, async ({ actor, params, body }) => {
    const prepared = await integrations.prepareLink(actor, projectTarget(params.id!), body);
    try {
      const items = await runner.fetchItems(prepared.definition, prepared.config, prepared.secrets, prepared.source);
      const manual = prepared.project!.tasks.filter((t) => !t.source).length;
      const mapped = projectTasksFromItems(items, prepared.definition.sourceUrl?.(prepared.config, prepared.source) ?? null, Math.max(0, MAX_TASKS_PER_PROJECT - manual));
      return {
        progress: Math.round(mapped.progress * 10) / 10,
        details: summarize(mapped),
        sourceUrl: mapped.queryUrl,
        truncated: mapped.truncated,
        tasks: mapped.tasks.map((t) => ({ externalId: t.externalId, parentExternalId: t.parentExternalId, level: t.level, title: t.title, done: t.done, progress: t.progress, url: t.url })),
      };
    } catch (error) {
      throw connectorFailure(error as ConnectorError);
    }
  });
  operation(router, api, { method: "put", path: "/projects/:id/link", tag: projectLink, summary: "Fill the project's tasks from a source (tasks arrive with the first sync)", body: s.linkInput, response: s.linkView, versioned: true }, async ({ actor, params, body }) =>
    linkView((await integrations.saveLink(actor, projectTarget(params.id!), body)).link, integrations.registry),
  );
  operation(router, api, { method: "get", path: "/projects/:id/link", tag: projectLink, summary: "The project's link and its sync status", response: s.linkView, versioned: true }, async ({ actor, params }) =>
    linkView(await integrations.getLink(actor, projectTarget(params.id!)), integrations.registry),
  );
  operation(router, api, { method: "delete", path: "/projects/:id/link", tag: projectLink, summary: "Unlink (tasks stay as last synced; progress is again the share of done tasks)" }, async ({ actor, params }) => {
    await integrations.unlink(actor, projectTarget(params.id!));
  });
  operation(router, api, { method: "post", path: "/projects/:id/link/refresh", tag: projectLink, summary: "Sync now: answers with the project and its tasks, or the error (tasks kept)", response: s.projectRefreshView }, async ({ res, actor, params }) => {
    const { link: current } = await integrations.refreshable(actor, projectTarget(params.id!));
    const outcome = await engine.refresh(current);
    if (!outcome.ok && outcome.error) {
      const failure = connectorFailure(outcome.error, outcome.retryAfterMs);
      if (failure.status === 429) res.setHeader("Retry-After", String(Math.ceil((outcome.retryAfterMs ?? 60_000) / 1000)));
      throw failure;
    }
    const after = await integrations.getLink(actor, projectTarget(params.id!));
    const { project } = await integrations.editableProject(actor, params.id!);
    return { ok: true, value: outcome.value, details: outcome.details, changed: outcome.changed, link: linkView(after, integrations.registry), project: projectView(project) };
  });

  operation(router, api, { method: "get", path: "/integrations/links", tag: link, summary: "Linked key results with sync status and last error (org admins: all; others: links on connections they created)", query: s.linksQuery, response: s.linkListView }, async ({ actor, query }) => {
    const connections = await integrations.listConnections(actor, query.integrationId);
    const visible = new Map(connections.filter((c) => isIntegrationAdmin(actor) || c.createdBy === actor.userId).map((c) => [c._id, c]));
    const filter = {
      ...(query.connectionId ? { connectionId: query.connectionId } : {}),
      ...(query.integrationId ? { integrationId: query.integrationId } : {}),
    };
    // The status lives in the links' sync state, so it is filtered after they are merged.
    const links = (await integrations.store.findLinks(actor.tenantId, filter, { sort: { keyResultId: 1 } }))
      .filter((l) => (!query.status || l.status === query.status) && (isIntegrationAdmin(actor) || visible.has(l.connectionId)))
      .slice(0, 1000);
    // Key results and projects of the links' objectives: one read each, titles by id.
    const objectiveIds = { objectiveId: { $in: [...new Set(links.map((l) => l.objectiveId))] } };
    const [krs, projects] = await Promise.all([
      integrations.store.store.tenantCollection<KeyResult>("keyResults").find(actor.tenantId, objectiveIds, { projection: { title: 1 } }),
      integrations.store.store.tenantCollection<Project>("projects").find(actor.tenantId, objectiveIds, { projection: { title: 1 } }),
    ]);
    const titles = new Map([...krs, ...projects].map((item) => [item._id, item.title]));
    return {
      items: links.map((l) => ({
        ...linkView(l, integrations.registry),
        keyResultTitle: titles.get(l.keyResultId) ?? (linkTarget(l).type === "project" ? "(deleted project)" : "(deleted key result)"),
        objectiveId: l.objectiveId,
        connectionName: visible.get(l.connectionId)?.name ?? null,
      })),
    };
  });
  return router;
}
