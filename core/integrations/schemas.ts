import { z } from "zod";
import { projectView as okrProjectView } from "../okr/schemas.js";
import { MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES } from "./schedule.js";

/** Request and answer shapes of the integrations API (validated and published in openapi.json). */
const id = z.string().trim().min(1).max(200);
const version = z.number().int().min(1);
const anyObject = z.record(z.string(), z.unknown());

export const allowListUpdate = z
  .object({
    mode: z.enum(["all", "none", "selected"]),
    integrationIds: z.array(id).max(200).default([]).describe("with mode selected: the allowed integrations"),
    version: version.optional(),
  })
  .strict();

export const integrationSettingsUpdate = z
  .object({
    membersCreateConnections: z.boolean().optional(),
    syncIntervalMinutes: z.number().int().min(MIN_INTERVAL_MINUTES).max(MAX_INTERVAL_MINUTES).optional(),
    version: version.optional(),
  })
  .strict();

export const enableBody = z.object({ version: version.optional() }).strict();

export const connectionTest = z.object({ config: anyObject.default({}), secrets: anyObject.default({}) }).strict();

export const connectionCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    visibility: z.enum(["shared", "private"]).default("shared"),
    config: anyObject.default({}),
    secrets: anyObject.default({}).describe("write-only: never returned"),
  })
  .strict();

export const connectionUpdate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    visibility: z.enum(["shared", "private"]).optional(),
    config: anyObject.optional(),
    secrets: anyObject.optional().describe("replaces every secret when given; omit to keep them"),
    version: version.optional(),
  })
  .strict();

export const resourcesQuery = z.object({ search: z.string().max(200).optional() }).strict();

export const linkInput = z.object({ connectionId: id, source: anyObject.default({}), version: version.optional() }).strict();
export const linkPreviewInput = z.object({ connectionId: id, source: anyObject.default({}) }).strict();

export const pushBody = z.object({ value: z.number().finite(), note: z.string().trim().max(2000).optional() });

const categoryEnum = z.enum(["in-boundary-m365", "cross-boundary-microsoft", "third-party"]);

export const integrationView = z.object({
  id: z.string(),
  displayName: z.string(),
  description: z.string(),
  icon: z.string(),
  type: z.enum(["data", "collaboration"]),
  category: categoryEnum,
  termsUrl: z.string(),
  docsUrl: z.string(),
  mode: z.enum(["pull", "push"]),
  allowed: z.boolean(),
  state: z.enum(["enabled", "disabled", "not_allowed"]),
  canPreviewResources: z.boolean(),
  resources: z
    .object({
      label: z.string(),
      hint: z.string(),
      placeholder: z.string().optional(),
      listLabel: z.string(),
      browse: z.boolean(),
      idFields: z.array(z.string()),
      nameField: z.string().optional(),
      detailFields: z.array(z.string()).optional(),
      lookupField: z.string().optional(),
      countNoun: z.string().optional(),
    })
    .nullable()
    .describe("how the link dialog's picker searches GET /connections/{id}/resources; null when the connector lists none"),
  /** Connections may sign in with Microsoft Entra ID (`config.auth = "entra"`, /integrations/{id}/oauth/start). */
  entraSignIn: z.boolean(),
  otherSignInFields: z.array(z.string()).describe("config and secret fields only the non-Entra sign-in uses, hidden when Entra sign-in is chosen"),
  schemas: z
    .object({ connectionConfig: anyObject, secrets: anyObject, sourceConfig: anyObject })
    .describe("the connector's own zod schemas as JSON Schema (io: input), `description` = help text; secrets are write-only"),
});

export const orgIntegrationsView = z.object({
  allowList: z.object({ mode: z.enum(["all", "none", "selected"]), integrationIds: z.array(z.string()) }),
  membersCreateConnections: z.boolean(),
  syncIntervalMinutes: z.number(),
  version: z.number(),
  you: z.object({ tenantAdmin: z.boolean(), orgAdmin: z.boolean(), canCreateConnections: z.boolean() }),
});

export const catalogueView = orgIntegrationsView.extend({ items: z.array(integrationView) });

export const connectionView = z.object({
  id: z.string(),
  integrationId: z.string(),
  name: z.string(),
  visibility: z.enum(["shared", "private"]),
  createdBy: z.string().nullable(),
  config: anyObject,
  secretNames: z.array(z.string()).describe("which secrets are set; their values are never returned"),
  lastTest: z.object({ at: z.string(), ok: z.boolean(), message: z.string(), errorType: z.string().nullable() }).nullable(),
  version: z.number(),
});

export const testView = z.object({ ok: z.boolean(), message: z.string(), errorType: z.string().nullable() });

export const resourceView = z.object({
  items: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string(), source: anyObject.optional(), count: z.number().optional().describe("how many items it matches, when known") })),
});

export const valueView = z.object({ value: z.number(), details: z.string().nullable(), asOf: z.string() });

export const linkView = z.object({
  keyResultId: z.string().describe("the linked key result's id, or the project's for a project link"),
  target: z.object({ type: z.enum(["keyResult", "project"]), id: z.string() }),
  integrationId: z.string(),
  integration: z.object({ displayName: z.string(), icon: z.string() }).nullable(),
  connectionId: z.string(),
  mode: z.enum(["pull", "push"]),
  source: anyObject,
  status: z.enum(["pending", "ok", "failed", "paused"]),
  statusText: z.string().describe('e.g. "integration disabled", "connection removed"'),
  lastSyncedAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastValue: z.number().nullable(),
  lastDetails: z.string().nullable(),
  lastError: z.object({ type: z.string(), message: z.string(), at: z.string() }).nullable(),
  nextSyncAt: z.string().nullable(),
  stoppedUntilEdited: z.boolean(),
  pushUrl: z.string().optional().describe("push links: the secret URL, only in the answer that created or regenerated it"),
  version: z.number(),
});

export const refreshView = z.object({ ok: z.boolean(), value: z.number().nullable(), details: z.string().nullable(), changed: z.boolean(), link: linkView });

export const projectPreviewView = z.object({
  progress: z.number().describe("rolled up from the tree"),
  details: z.string(),
  sourceUrl: z.string().nullable(),
  truncated: z.number().int(),
  tasks: z.array(
    z.object({ externalId: z.string(), parentExternalId: z.string().nullable(), level: z.number().int(), title: z.string(), done: z.boolean(), progress: z.number(), url: z.string().nullable() }),
  ),
});

export const projectRefreshView = refreshView.extend({ project: okrProjectView });

export const linksQuery = z
  .object({
    connectionId: id.optional(),
    integrationId: id.optional(),
    status: z.enum(["pending", "ok", "failed", "paused"]).optional(),
  })
  .strict();

export const linkListView = z.object({
  items: z.array(linkView.extend({ keyResultTitle: z.string().describe("the key result's title, or the project's for a project link"), objectiveId: z.string(), connectionName: z.string().nullable() })),
});
