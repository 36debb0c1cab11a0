import type { SealedSecret } from "../crypto/secretBox.js";
import type { TenantDocument } from "../store/tenantCollection.js";
import type { ConnectorErrorTypeName } from "./errorTypes.js";

/**
 * Integrations as stored. Four tenant collections, so that each kind of write touches its own
 * documents: `orgIntegrations` (one settings document per organisation, `_id` = tenant id),
 * `connections` (named credentials, secrets sealed), `krLinks` (one per linked key result: the
 * source, as people set it) and `linkSyncStates` (the sync outcomes, in buckets: linkStates.ts).
 * Syncs write to `linkSyncStates` (to a link only to pause it when its connection or integration
 * is gone), never to the key result except through a check-in when the value changed.
 */

export type AllowListMode = "all" | "none" | "selected";

export interface OrgIntegrationState {
  integrationId: string;
  enabled: boolean;
  changedBy: string | null;
  changedAt: Date;
}

export interface OrgIntegrations extends TenantDocument {
  /** Set by the tenant admin: which integrations the organisation may enable at all. */
  allowList: { mode: AllowListMode; integrationIds: string[] };
  /** Per integration, whether the org enabled it (absent = never enabled). */
  integrations: OrgIntegrationState[];
  /** Members (not only owners/admins) may create connections. */
  membersCreateConnections: boolean;
  /** How often linked key results sync, 5 min to 24 h. */
  syncIntervalMinutes: number;
}

export type Visibility = "shared" | "private";

/** Bound to a connection's sealed secrets as additional data: a sealed value copied elsewhere does not open. */
export const connectionSecretContext = (tenantId: string, connectionId: string) => `${tenantId}/${connectionId}`;

export interface Connection extends TenantDocument {
  integrationId: string;
  name: string;
  visibility: Visibility;
  createdBy: string | null;
  /** Validated by the connector's `connectionConfig` schema; never holds secrets. */
  config: Record<string, unknown>;
  /** The connector's `secrets` object as JSON, sealed with `connectionSecretContext`. */
  sealedSecrets: SealedSecret | null;
  /** Names of the secrets that are set, so a form can say "set" without ever seeing them. */
  secretNames: string[];
  lastTest: { at: Date; ok: boolean; message: string; errorType: ConnectorErrorTypeName | null } | null;
}

export type LinkStatus = "pending" | "ok" | "failed" | "paused";
export type PausedReason = "integration_disabled" | "connection_removed" | "not_allowed" | null;

export interface LinkError {
  type: ConnectorErrorTypeName | "internal";
  message: string;
  at: Date;
}

/** What a link fills: a key result's value (check-ins) or a project's tasks. */
export interface LinkTarget {
  type: "keyResult" | "project";
  id: string;
}

export interface KrLink extends TenantDocument {
  /** The linked key result's id, or the project's for a project link (one link per target: unique index). */
  keyResultId: string;
  /** Absent on links made before projects could be linked: a key result. */
  target?: LinkTarget;
  objectiveId: string;
  integrationId: string;
  connectionId: string;
  mode: "pull" | "push";
  /** Validated by the connector's `sourceConfig` schema. */
  source: Record<string, unknown>;
  /** Hash of connection id + canonical source: links with equal fingerprints are fetched once per run. */
  sourceKey: string;
  createdBy: string | null;
  /** Push links: SHA-256 (hex) of the secret URL token. */
  pushTokenHash: string | null;

  // The sync fields below are stored as people last set them (saving, pausing, resuming); what
  // syncs and pushes learn lives in the link's sync state and is laid over them when read
  // (core/integrations/linkStates.ts): read links through IntegrationStore.findLink(s).

  /** The scheduler looks for `active: true, nextSyncAt <= now`; false when paused, stopped or push. */
  active: boolean;
  nextSyncAt: Date | null;
  status: LinkStatus;
  pausedReason: PausedReason;
  /** auth/config errors stop the link until someone edits it or its connection. */
  stoppedUntilEdited: boolean;
  /** Consecutive failed runs (resets on success). */
  failures: number;
  lastSyncedAt: Date | null;
  lastSuccessAt: Date | null;
  lastValue: number | null;
  lastDetails: string | null;
  lastError: LinkError | null;
}

export const linkTarget = (link: Pick<KrLink, "keyResultId" | "target">): LinkTarget => link.target ?? { type: "keyResult", id: link.keyResultId };
