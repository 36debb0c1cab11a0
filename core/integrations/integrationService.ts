import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { z } from "zod";
import type { Caller } from "../auth/callerResolver.js";
import type { SecretBox } from "../crypto/secretBox.js";
import { badRequest, conflict, forbidden, notFound } from "../errors/appError.js";
import type { Actor } from "../okr/actor.js";
import type { KeyResult, Objective, Project } from "../okr/model.js";
import type { OkrServices } from "../okr/okrService.js";
import { canEditKeyResult, canEditProject } from "../okr/permissions.js";
import type { ConnectorDefinition, ConnectorRegistry } from "./contract.js";
import {
  connectionRemoved,
  integrationDisabled,
  integrationNotAllowed,
  integrationUnknown,
  objectiveNotLinkable,
  linkPaused,
  notLinked,
  secretsUnreadable,
  sourceError,
} from "./errors.js";
import type { IntegrationStore } from "./integrationStore.js";
import { stateOf, withState } from "./linkStates.js";
import { connectionSecretContext, type AllowListMode, type Connection, type KrLink, type LinkTarget, type OrgIntegrations, type PausedReason, type Visibility } from "./model.js";
import { canCreateConnection, canEditConnection, canSeeConnection, canUseConnection, isIntegrationAdmin, isTenantAdmin } from "./permissions.js";
import { MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, sourceKey } from "./schedule.js";
import { SecretResealer } from "./secretResealer.js";

export interface CatalogueEntry {
  definition: ConnectorDefinition;
  allowed: boolean;
  enabled: boolean;
}

export interface ConnectionInput {
  name: string;
  visibility: Visibility;
  config: unknown;
  secrets: unknown;
}

/** A connection ready to run: its definition, config and opened secrets (never leave the server). */
export interface UsableConnection {
  definition: ConnectorDefinition;
  connection: Connection;
  config: unknown;
  secrets: unknown;
}

/** A link's target: a key result id (the original API) or an explicit target. */
export type LinkSubject = string | LinkTarget;
const asTarget = (subject: LinkSubject): LinkTarget => (typeof subject === "string" ? { type: "keyResult", id: subject } : subject);

/** What a link form is about: its objective, and the key result or the project. */
export interface EditableTarget {
  target: LinkTarget;
  objective: Objective;
  keyResult?: KeyResult;
  project?: Project;
}

export const hashPushToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** Per-organisation integration rules: allow-list, enable/disable, connections, KR links. */
export class IntegrationService {
  /** Moves secrets to the newest key: one connection as it is opened, or all of them in a pass. */
  readonly resealer: SecretResealer;

  constructor(
    readonly store: IntegrationStore,
    readonly registry: ConnectorRegistry,
    private readonly secrets: SecretBox,
    private readonly okr: OkrServices,
    private readonly options: { defaultIntervalMinutes?: number; now?: () => Date } = {},
  ) {
    this.resealer = new SecretResealer(store.connections, secrets);
  }

  /**
   * Set at wiring time (sync/integrations.ts): renews a connection's sign-in before it is used
   * (preview, test, resources); the sync engine runs the same hook before each fetch.
   */
  prepareSecrets: ((connection: Connection, secrets: unknown, signal?: AbortSignal) => Promise<unknown>) | undefined;

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  // ─── organisation settings ────────────────────────────────────────────────────────────────

  /** The org's settings document, created with defaults on first use (`_id` = tenant id, so one wins). */
  async settings(tenantId: string): Promise<OrgIntegrations> {
    const found = await this.store.settings.findById(tenantId, tenantId);
    if (found) return found;
    try {
      return await this.store.settings.insert(tenantId, {
        _id: tenantId,
        allowList: { mode: "all", integrationIds: [] },
        integrations: [],
        membersCreateConnections: false,
        syncIntervalMinutes: Math.min(MAX_INTERVAL_MINUTES, Math.max(MIN_INTERVAL_MINUTES, this.options.defaultIntervalMinutes ?? 60)),
      });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      return (await this.store.settings.findById(tenantId, tenantId))!;
    }
  }

  static isAllowed(settings: OrgIntegrations, integrationId: string): boolean {
    const { mode, integrationIds } = settings.allowList;
    return mode === "all" || (mode === "selected" && integrationIds.includes(integrationId));
  }

  static isEnabled(settings: OrgIntegrations, integrationId: string): boolean {
    return IntegrationService.isAllowed(settings, integrationId) && settings.integrations.some((i) => i.integrationId === integrationId && i.enabled);
  }

  async catalogue(actor: Actor): Promise<{ settings: OrgIntegrations; entries: CatalogueEntry[] }> {
    const settings = await this.settings(actor.tenantId);
    return {
      settings,
      entries: this.registry.list().map((definition) => ({
        definition,
        allowed: IntegrationService.isAllowed(settings, definition.id),
        enabled: IntegrationService.isEnabled(settings, definition.id),
      })),
    };
  }

  definition(integrationId: string): ConnectorDefinition {
    const definition = this.registry.get(integrationId);
    if (!definition) throw integrationUnknown(integrationId);
    return definition;
  }

  async setAllowList(caller: Caller, actor: Actor, input: { mode: AllowListMode; integrationIds: string[]; version?: number | undefined }): Promise<OrgIntegrations> {
    if (!isTenantAdmin(caller)) throw forbidden("Only the tenant admin sets which integrations are allowed.");
    input.integrationIds.forEach((id, index) => {
      if (!this.registry.get(id)) throw badRequest("An integration does not exist.", [{ path: `integrationIds.${index}`, message: `no integration "${id}"` }]);
    });
    const current = await this.settings(actor.tenantId);
    const updated = await this.store.settings.update(
      actor.tenantId,
      current._id,
      { $set: { allowList: { mode: input.mode, integrationIds: input.mode === "selected" ? [...new Set(input.integrationIds)] : [] } } },
      { expectedVersion: input.version ?? current.version },
    );
    await this.applyPauses(actor.tenantId, updated!);
    return updated!;
  }

  async setEnabled(actor: Actor, integrationId: string, enabled: boolean, version?: number): Promise<OrgIntegrations> {
    const definition = this.definition(integrationId);
    if (!isIntegrationAdmin(actor)) throw forbidden("Only org owners and admins enable or disable integrations.");
    const current = await this.settings(actor.tenantId);
    if (enabled && !IntegrationService.isAllowed(current, integrationId)) throw integrationNotAllowed(definition.displayName);
    const integrations = [
      ...current.integrations.filter((i) => i.integrationId !== integrationId),
      { integrationId, enabled, changedBy: actor.userId, changedAt: this.now() },
    ];
    const updated = await this.store.settings.update(actor.tenantId, current._id, { $set: { integrations } }, { expectedVersion: version ?? current.version });
    await this.applyPauses(actor.tenantId, updated!);
    return updated!;
  }

  async updateSettings(actor: Actor, input: { membersCreateConnections?: boolean | undefined; syncIntervalMinutes?: number | undefined; version?: number | undefined }): Promise<OrgIntegrations> {
    if (!isIntegrationAdmin(actor)) throw forbidden("Only org owners and admins change integration settings.");
    const current = await this.settings(actor.tenantId);
    const set: Partial<OrgIntegrations> = {};
    if (input.membersCreateConnections !== undefined) set.membersCreateConnections = input.membersCreateConnections;
    if (input.syncIntervalMinutes !== undefined) set.syncIntervalMinutes = input.syncIntervalMinutes;
    return (await this.store.settings.update(actor.tenantId, current._id, { $set: set }, { expectedVersion: input.version ?? current.version }))!;
  }

  /**
   * Pauses the links of integrations that are no longer allowed or enabled (values kept), and
   * resumes those paused for that reason once they are again: due at once.
   */
  private async applyPauses(tenantId: string, settings: OrgIntegrations): Promise<void> {
    for (const definition of this.registry.list()) {
      const reason: PausedReason = !IntegrationService.isAllowed(settings, definition.id)
        ? "not_allowed"
        : !IntegrationService.isEnabled(settings, definition.id)
          ? "integration_disabled"
          : null;
      if (reason) {
        for (const from of [null, reason === "not_allowed" ? "integration_disabled" : "not_allowed"] as PausedReason[]) {
          await this.store.links.updateMany(
            tenantId,
            { integrationId: definition.id, pausedReason: from },
            { $set: { status: "paused", pausedReason: reason, active: false } },
          );
        }
      } else {
        for (const from of ["integration_disabled", "not_allowed"] as const) {
          await this.store.links.updateMany(
            tenantId,
            { integrationId: definition.id, pausedReason: from },
            { $set: { status: "pending", pausedReason: null, active: definition.mode === "pull", nextSyncAt: definition.mode === "pull" ? this.now() : null } },
          );
        }
      }
    }
  }

  // ─── connections ──────────────────────────────────────────────────────────────────────────

  private async requireEnabled(tenantId: string, definition: ConnectorDefinition): Promise<OrgIntegrations> {
    const settings = await this.settings(tenantId);
    if (!IntegrationService.isAllowed(settings, definition.id)) throw integrationNotAllowed(definition.displayName);
    if (!IntegrationService.isEnabled(settings, definition.id)) throw integrationDisabled(definition.displayName);
    return settings;
  }

  /** Validates a connection form with the connector's schemas (400 naming each bad field). */
  validateConnection(definition: ConnectorDefinition, input: { config: unknown; secrets: unknown }): { config: Record<string, unknown>; secrets: Record<string, unknown> } {
    return {
      config: parseWith(definition.schemas.connectionConfig, input.config ?? {}, "config"),
      secrets: parseWith(definition.schemas.secrets, input.secrets ?? {}, "secrets"),
    };
  }

  /** For "Test connection" before saving: the caller must be allowed to create one. */
  async prepareTest(actor: Actor, integrationId: string, input: { config: unknown; secrets: unknown }): Promise<{ definition: ConnectorDefinition; config: unknown; secrets: unknown }> {
    const definition = this.definition(integrationId);
    const settings = await this.requireEnabled(actor.tenantId, definition);
    if (!canCreateConnection(actor, settings)) throw forbidden("Only org owners and admins create connections in this organisation.");
    return { definition, ...this.validateConnection(definition, input) };
  }

  async listConnections(actor: Actor, integrationId?: string): Promise<Connection[]> {
    const all = await this.store.connections.find(actor.tenantId, integrationId ? { integrationId } : {}, { sort: { name: 1 } });
    return all.filter((c) => canSeeConnection(actor, c));
  }

  async createConnection(actor: Actor, integrationId: string, input: ConnectionInput): Promise<Connection> {
    const definition = this.definition(integrationId);
    const settings = await this.requireEnabled(actor.tenantId, definition);
    if (!canCreateConnection(actor, settings)) throw forbidden("Only org owners and admins create connections in this organisation.");
    const { config, secrets } = this.validateConnection(definition, input);
    const id = randomUUID();
    return this.store.connections.insert(actor.tenantId, {
      _id: id,
      integrationId,
      name: input.name,
      visibility: input.visibility,
      createdBy: actor.userId,
      config,
      ...this.seal(actor.tenantId, id, secrets),
      lastTest: null,
    });
  }

  private seal(tenantId: string, connectionId: string, secrets: Record<string, unknown>): Pick<Connection, "sealedSecrets" | "secretNames"> {
    const names = Object.keys(secrets).filter((k) => secrets[k] !== undefined && secrets[k] !== null && secrets[k] !== "");
    return {
      sealedSecrets: names.length ? this.secrets.seal(JSON.stringify(secrets), connectionSecretContext(tenantId, connectionId)) : null,
      secretNames: names.sort(),
    };
  }

  async getConnection(actor: Actor, id: string): Promise<Connection> {
    const connection = await this.store.connections.findById(actor.tenantId, id);
    if (!connection || !canSeeConnection(actor, connection)) throw notFound("Connection");
    return connection;
  }

  /**
   * Edits a connection. `secrets` replaces all secrets when given (omit it to keep them). Any edit
   * clears "stopped until edited" on its links and makes them due now.
   */
  async updateConnection(
    actor: Actor,
    id: string,
    input: { name?: string | undefined; visibility?: Visibility | undefined; config?: unknown; secrets?: unknown; version?: number | undefined },
  ): Promise<Connection> {
    const current = await this.getConnection(actor, id);
    if (!canEditConnection(actor, current)) throw forbidden("Only the connection's creator or an org admin edits it.");
    const definition = this.definition(current.integrationId);
    const set: Partial<Connection> = {};
    if (input.name !== undefined) set.name = input.name;
    if (input.visibility !== undefined) set.visibility = input.visibility;
    if (input.config !== undefined) set.config = parseWith(definition.schemas.connectionConfig, input.config, "config");
    if (input.secrets !== undefined) Object.assign(set, this.seal(actor.tenantId, id, parseWith(definition.schemas.secrets, input.secrets, "secrets")));
    const updated = await this.store.connections.update(actor.tenantId, id, { $set: set }, { expectedVersion: input.version ?? current.version });
    if (!updated) throw notFound("Connection");
    await this.resumeStopped(actor.tenantId, id, definition);
    return updated;
  }

  /** Deletes a connection; its links keep their last value and show "connection removed". */
  async deleteConnection(actor: Actor, id: string, version?: number): Promise<void> {
    const current = await this.getConnection(actor, id);
    if (!canEditConnection(actor, current)) throw forbidden("Only the connection's creator or an org admin deletes it.");
    if (version !== undefined && version !== current.version) {
      throw conflict(`The connection changed meanwhile (now version ${current.version}).`, { currentVersion: current.version });
    }
    await this.store.links.updateMany(actor.tenantId, { connectionId: id }, { $set: { status: "paused", pausedReason: "connection_removed", active: false } });
    await this.store.connections.delete(actor.tenantId, id);
    await this.store.blocks.deleteOne({ _id: id });
  }

  async recordTest(tenantId: string, id: string, result: Connection["lastTest"]): Promise<void> {
    // Not versioned: a test result must never make someone's edit stale.
    await this.store.connections.raw.updateOne({ _id: id, tenantId }, { $set: { lastTest: result } });
  }

  /** Opens the secrets (re-sealing under the newest key after a rotation). */
  async openSecrets(connection: Connection): Promise<Record<string, unknown>> {
    if (!connection.sealedSecrets) return {};
    if (!this.secrets.canOpen(connection.sealedSecrets)) throw secretsUnreadable();
    const plaintext = this.secrets.open(connection.sealedSecrets, connectionSecretContext(connection.tenantId, connection._id));
    // Guarded: a token refresh or an edit meanwhile wins, and the next open or pass re-seals.
    if (this.secrets.needsResealing(connection.sealedSecrets)) await this.resealer.reseal(connection, plaintext);
    return JSON.parse(plaintext) as Record<string, unknown>;
  }

  /**
   * Merges `patch` into a connection's secrets and seals them again (not versioned: renewed tokens
   * must never make someone's edit stale). `resume` also restarts its links stopped by an auth error
   * (a new sign-in), as an edit does.
   */
  async storeSecrets(tenantId: string, connectionId: string, patch: Record<string, unknown>, options: { resume?: boolean } = {}): Promise<void> {
    const connection = await this.store.connections.findById(tenantId, connectionId);
    if (!connection) throw notFound("Connection");
    const secrets = { ...(await this.openSecrets(connection)), ...patch };
    await this.store.connections.raw.updateOne({ _id: connectionId, tenantId }, { $set: this.seal(tenantId, connectionId, secrets) });
    if (options.resume) await this.resumeStopped(tenantId, connectionId, this.definition(connection.integrationId));
  }

  /** An edited connection: its links stopped until an edit (by the link or by its sync state) are due now. */
  private async resumeStopped(tenantId: string, connectionId: string, definition: ConnectorDefinition): Promise<void> {
    const resume = { stoppedUntilEdited: false, active: definition.mode === "pull", nextSyncAt: this.now() };
    await this.store.links.updateMany(tenantId, { connectionId, stoppedUntilEdited: true }, { $set: resume });
    const stopped = (await this.store.findLinks(tenantId, { connectionId })).filter((l) => l.stoppedUntilEdited);
    await this.store.states.write(tenantId, stopped.map((l) => [l._id, stateOf(l, resume)]));
  }

  /** A connection the actor may run (use or edit), with its integration enabled. */
  async usableConnection(actor: Actor, id: string, purpose: "use" | "edit" = "use", options: { renew?: boolean } = {}): Promise<UsableConnection> {
    const connection = await this.store.connections.findById(actor.tenantId, id);
    if (!connection || !canSeeConnection(actor, connection)) throw notFound("Connection");
    if (purpose === "use" ? !canUseConnection(actor, connection) : !canEditConnection(actor, connection)) {
      throw forbidden("This connection is private to its creator.");
    }
    const definition = this.definition(connection.integrationId);
    await this.requireEnabled(actor.tenantId, definition);
    let secrets: unknown = await this.openSecrets(connection);
    if (this.prepareSecrets && options.renew !== false) {
      try {
        secrets = await this.prepareSecrets(connection, secrets);
      } catch (error) {
        const typed = error as { type?: string; message?: string };
        throw sourceError(typed.type ?? "transient", typed.message ?? "The connection's sign-in could not be renewed.");
      }
    }
    return { definition, connection, config: connection.config, secrets };
  }

  // ─── key result links ─────────────────────────────────────────────────────────────────────

  /** The KR and its objective, if the actor may change its link; an objective id is a clear 400. */
  async editableKeyResult(actor: Actor, keyResultId: string): Promise<{ keyResult: KeyResult; objective: Objective }> {
    const found = await this.okr.checkIns.requireKeyResult(actor.tenantId, keyResultId).catch(async (error: unknown) => {
      if (await this.okr.store.objectives.findById(actor.tenantId, keyResultId)) throw objectiveNotLinkable();
      throw error;
    });
    if (actor.orgRole !== "system" && !canEditKeyResult(actor, found.objective, found.keyResult, await this.okr.checkIns.teamLookup(actor.tenantId))) {
      throw forbidden("Only the key result's owner, the objective's owners or an org admin can link it to a data source.");
    }
    return found;
  }

  /** The project, if the actor may change its link; an objective id is a clear 400. */
  async editableProject(actor: Actor, projectId: string): Promise<{ project: Project; objective: Objective }> {
    const found = await this.okr.projects.get(actor, projectId).catch(async (error: unknown) => {
      if (await this.okr.store.objectives.findById(actor.tenantId, projectId)) throw objectiveNotLinkable();
      throw error;
    });
    if (actor.orgRole !== "system" && !canEditProject(actor, found.objective, found.project, await this.okr.checkIns.teamLookup(actor.tenantId))) {
      throw forbidden("Only the project's owner, the objective's owners or an org admin can link it to a data source.");
    }
    return found;
  }

  async editableTarget(actor: Actor, subject: LinkSubject): Promise<EditableTarget> {
    const target = asTarget(subject);
    if (target.type === "project") return { target, ...(await this.editableProject(actor, target.id)) };
    return { target, ...(await this.editableKeyResult(actor, target.id)) };
  }

  /** Validates a link form: the target may be edited, the connection used, the source fits the connector. */
  async prepareLink(actor: Actor, subject: LinkSubject, input: { connectionId: string; source: unknown }): Promise<UsableConnection & EditableTarget & { source: Record<string, unknown> }> {
    const editable = await this.editableTarget(actor, subject);
    const usable = await this.usableConnection(actor, input.connectionId);
    if (editable.target.type === "project" && !usable.definition.fetchItems) {
      throw badRequest(`${usable.definition.displayName} cannot fill a project's tasks; pick a source with work items (e.g. Azure DevOps).`);
    }
    const source = parseWith(usable.definition.schemas.sourceConfig, input.source ?? {}, "source");
    return { ...usable, ...editable, source };
  }

  async getLink(actor: Actor, subject: LinkSubject): Promise<KrLink> {
    const target = asTarget(subject);
    if (target.type === "project") await this.okr.projects.get(actor, target.id);
    else
      await this.okr.checkIns.requireKeyResult(actor.tenantId, target.id).catch(async (error: unknown) => {
        if (await this.okr.store.objectives.findById(actor.tenantId, target.id)) throw objectiveNotLinkable();
        throw error;
      });
    const link = await this.store.findLink(actor.tenantId, { keyResultId: target.id });
    if (!link) throw notLinked(target.type);
    return link;
  }

  /**
   * Saves (creates or replaces) the KR's link. Pull links become due at once. Push links get a
   * new secret token when created (returned once, only its hash is stored).
   */
  async saveLink(actor: Actor, subject: LinkSubject, input: { connectionId: string; source: unknown; version?: number | undefined }): Promise<{ link: KrLink; pushToken: string | null }> {
    const prepared = await this.prepareLink(actor, subject, input);
    const { definition, connection, objective, source, target } = prepared;
    const keyResultId = target.id;
    const now = this.now();
    const pull = definition.mode === "pull";
    const fields = {
      objectiveId: objective._id,
      integrationId: definition.id,
      connectionId: connection._id,
      mode: definition.mode,
      source,
      // A project reads the items, a key result the value: never fetched together.
      sourceKey: target.type === "project" ? sourceKey(connection._id, { items: source }) : sourceKey(connection._id, source),
      active: pull,
      nextSyncAt: pull ? now : null,
      status: "pending" as const,
      pausedReason: null,
      stoppedUntilEdited: false,
      failures: 0,
      lastError: null,
    };
    const existing = await this.store.links.findOne(actor.tenantId, { keyResultId });
    if (existing) {
      const keepToken = !pull && existing.mode === "push" && existing.pushTokenHash !== null;
      const token = keepToken ? null : pull ? null : newPushToken();
      const updated = await this.store.links.update(
        actor.tenantId,
        existing._id,
        { $set: { ...fields, pushTokenHash: token ? hashPushToken(token) : keepToken ? existing.pushTokenHash : null } },
        { expectedVersion: input.version ?? existing.version },
      );
      return { link: withState(updated!, await this.store.states.get(actor.tenantId, existing._id)), pushToken: token };
    }
    const token = pull ? null : newPushToken();
    try {
      const link = await this.store.links.insert(actor.tenantId, {
        keyResultId,
        ...(target.type === "project" ? { target } : {}),
        ...fields,
        createdBy: actor.userId,
        pushTokenHash: token ? hashPushToken(token) : null,
        lastSyncedAt: null,
        lastSuccessAt: null,
        lastValue: null,
        lastDetails: null,
      });
      return { link, pushToken: token };
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw conflict(`Someone linked this ${target.type === "project" ? "project" : "key result"} meanwhile; reload and try again.`);
      throw error;
    }
  }

  /** A new secret URL token for a push link (the old URL stops working at once). */
  async regeneratePushToken(actor: Actor, keyResultId: string): Promise<{ link: KrLink; pushToken: string }> {
    await this.editableKeyResult(actor, keyResultId);
    const link = await this.getLink(actor, keyResultId);
    if (link.mode !== "push") throw badRequest("Only push (webhook) links have a secret URL.");
    const token = newPushToken();
    const updated = await this.store.links.update(actor.tenantId, link._id, { $set: { pushTokenHash: hashPushToken(token) } });
    // A new token changes nothing about syncing: carry the state over to the new version (which would hide it).
    const carried = stateOf({ ...link, version: updated!.version });
    await this.store.states.write(actor.tenantId, [[link._id, carried]]);
    return { link: withState(updated!, carried), pushToken: token };
  }

  /**
   * Unlinks; a key result keeps its value and history. A project keeps its tasks (synced ones
   * stay as last synced) and its progress is again the share of done tasks.
   */
  async unlink(actor: Actor, subject: LinkSubject): Promise<void> {
    const { target } = await this.editableTarget(actor, subject);
    const link = await this.getLink(actor, target);
    await this.store.links.delete(actor.tenantId, link._id);
    await this.store.states.forget(actor.tenantId, link._id);
    if (target.type === "project") await this.okr.store.projects.raw.updateOne({ _id: target.id, tenantId: actor.tenantId }, { $set: { sync: null } });
  }

  /** For manual refresh: the link with a runnable connection, or why not. */
  async refreshable(actor: Actor, subject: LinkSubject): Promise<{ link: KrLink; usable: UsableConnection }> {
    const { target } = await this.editableTarget(actor, subject);
    const link = await this.getLink(actor, target);
    if (link.pausedReason === "connection_removed") throw connectionRemoved();
    if (link.pausedReason) throw linkPaused(link.pausedReason);
    if (link.mode === "push") throw badRequest("A webhook link has nothing to fetch: values arrive at its secret URL.");
    const connection = await this.store.connections.findById(actor.tenantId, link.connectionId);
    if (!connection) throw connectionRemoved();
    // The engine renews the sign-in itself and records a refusal on the link.
    const usable = await this.usableConnection({ ...actor, orgRole: "system" }, link.connectionId, "use", { renew: false });
    return { link, usable };
  }
}

export const newPushToken = () => randomBytes(24).toString("base64url");

function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T & Record<string, unknown> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw badRequest(`The ${prefix} is invalid.`, result.error.issues.map((issue) => ({ path: [prefix, ...issue.path].join("."), message: issue.message })));
  }
  return result.data as T & Record<string, unknown>;
}
