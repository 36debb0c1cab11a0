import { z } from "zod";
import type { ConnectorDefinition, ConnectorRegistry } from "../../../core/integrations/contract.js";
import { type Connection, type KrLink, linkTarget } from "../../../core/integrations/model.js";

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Never includes `sealedSecrets`: only the names of the secrets that are set. */
export function connectionView(c: Connection) {
  return {
    id: c._id,
    integrationId: c.integrationId,
    name: c.name,
    visibility: c.visibility,
    createdBy: c.createdBy,
    config: c.config,
    secretNames: c.secretNames,
    lastTest: c.lastTest ? { at: c.lastTest.at.toISOString(), ok: c.lastTest.ok, message: c.lastTest.message, errorType: c.lastTest.errorType } : null,
    version: c.version,
  };
}

export function statusText(link: KrLink): string {
  if (link.status === "paused") return (link.pausedReason ?? "paused").replaceAll("_", " ");
  if (link.status === "failed") return link.stoppedUntilEdited ? "failed: edit the link or connection" : "failed: will retry";
  if (link.status === "pending") return "waiting for the first sync";
  return "synced";
}

export function linkView(link: KrLink, registry: ConnectorRegistry, pushUrl?: string) {
  const definition = registry.get(link.integrationId);
  return {
    keyResultId: link.keyResultId,
    target: linkTarget(link),
    integrationId: link.integrationId,
    integration: definition ? { displayName: definition.displayName, icon: definition.icon } : null,
    connectionId: link.connectionId,
    mode: link.mode,
    source: link.source,
    status: link.status,
    statusText: statusText(link),
    lastSyncedAt: iso(link.lastSyncedAt),
    lastSuccessAt: iso(link.lastSuccessAt),
    lastValue: link.lastValue,
    lastDetails: link.lastDetails,
    lastError: link.lastError ? { type: link.lastError.type, message: link.lastError.message, at: link.lastError.at.toISOString() } : null,
    nextSyncAt: iso(link.nextSyncAt),
    stoppedUntilEdited: link.stoppedUntilEdited,
    ...(pushUrl ? { pushUrl } : {}),
    version: link.version,
  };
}

const formSchemaCache = new WeakMap<ConnectorDefinition, ReturnType<typeof computeFormSchemas>>();

function computeFormSchemas(d: ConnectorDefinition) {
  // io "input": fields with defaults are optional, as a form sends them; refinements are not expressible and are left out.
  const toJson = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { connectionConfig: toJson(d.schemas.connectionConfig), secrets: toJson(d.schemas.secrets), sourceConfig: toJson(d.schemas.sourceConfig) };
}

/** The connector's three zod schemas as JSON Schema (draft 2020-12), `.describe()` texts as `description`: what the tab builds its forms from. */
export function formSchemas(d: ConnectorDefinition) {
  let found = formSchemaCache.get(d);
  if (!found) formSchemaCache.set(d, (found = computeFormSchemas(d)));
  return found;
}
