import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { SecretBox } from "../crypto/secretBox.js";
import type { Logger } from "../log/logger.js";
import type { TenantCollection } from "../store/tenantCollection.js";
import { connectionSecretContext, type Connection } from "./model.js";

/** How the stored secrets are spread over the keys of PACER_SECRET_KEY. */
export interface SecretKeyUsage {
  checkedAt: Date;
  /** Secrets sealed under a configured key other than the first: re-seal them before dropping it. */
  underOldKeys: number;
  /** Secrets sealed under a key no longer in PACER_SECRET_KEY: they cannot be opened until it is back. */
  unopenable: number;
  /** Which connections those are (at most 20), to re-enter their secrets. */
  unopenableConnections: Array<{ tenantId: string; connectionId: string; kid: string }>;
  /** Old keys (1-based position in PACER_SECRET_KEY) that no secret uses any more: safe to remove. */
  removableKeys: Array<{ position: number; kid: string }>;
}

export interface ResealReport extends SecretKeyUsage {
  resealed: number;
  /** Left for the next pass: changed by others throughout the pass, or failing to open (tampered, moved). */
  failed: Array<{ tenantId: string; connectionId: string; reason: string }>;
}

type SealedDoc = Pick<Connection, "_id" | "tenantId" | "version" | "sealedSecrets">;
const MAX_LISTED = 20;
/** Another writer can win each attempt; after this many the connection waits for the next pass. */
const ATTEMPTS = 3;

/**
 * Moves connection secrets (PATs, keys, Azure DevOps OAuth tokens: all of them live sealed in
 * `connections.sealedSecrets`) from old keys to the first key of PACER_SECRET_KEY, so an old key
 * can be dropped. A maintenance pass over every tenant: it lists connections once, then reads and
 * writes each by its exact `_id` (the one filter FerretDB v1 serves from an index).
 */
export class SecretResealer {
  /** The outcome of the last pass: what /readyz reports. */
  lastUsage: SecretKeyUsage | undefined;

  constructor(
    private readonly connections: TenantCollection<Connection>,
    private readonly box: SecretBox,
  ) {}

  /**
   * Stores `plaintext` sealed under the current key, only if the document still has the version
   * and the exact sealed value (its random iv) that were read: an edit bumps the version, a token
   * refresh replaces the sealed value without bumping it, and either must win over a re-seal.
   * The version is left alone: the content is unchanged, so nobody's open form becomes stale.
   */
  async reseal(doc: SealedDoc, plaintext: string): Promise<boolean> {
    if (!doc.sealedSecrets) return false;
    const sealed = this.box.seal(plaintext, connectionSecretContext(doc.tenantId, doc._id));
    const result = await this.connections.raw.updateOne(
      { _id: doc._id, tenantId: doc.tenantId, version: doc.version, "sealedSecrets.iv": doc.sealedSecrets.iv },
      { $set: { sealedSecrets: sealed } },
    );
    return result.modifiedCount === 1;
  }

  /** Re-seals every secret under an old key, `batchSize` connections at a time; stops early on `signal`. */
  async run(options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<ResealReport> {
    const batchSize = options.batchSize ?? 50;
    const stale: string[] = [];
    for await (const doc of this.listSealed()) if (this.box.needsResealing(doc.sealedSecrets!) && this.box.canOpen(doc.sealedSecrets!)) stale.push(doc._id);
    let resealed = 0;
    const failed: ResealReport["failed"] = [];
    for (let start = 0; start < stale.length && !options.signal?.aborted; start += batchSize) {
      for (const id of stale.slice(start, start + batchSize)) {
        const outcome = await this.resealById(id);
        if (outcome === true) resealed += 1;
        else if (outcome) failed.push(outcome);
      }
      await yieldToEventLoop();
    }
    return { resealed, failed, ...(await this.usage()) };
  }

  /** Counts secrets per key (one read of every connection's key id). */
  async usage(): Promise<SecretKeyUsage> {
    const perKid = new Map<string, number>();
    const unopenableConnections: SecretKeyUsage["unopenableConnections"] = [];
    let unopenable = 0;
    for await (const doc of this.listSealed()) {
      const kid = doc.sealedSecrets!.kid;
      perKid.set(kid, (perKid.get(kid) ?? 0) + 1);
      if (!this.box.canOpen(doc.sealedSecrets!)) {
        unopenable += 1;
        if (unopenableConnections.length < MAX_LISTED) unopenableConnections.push({ tenantId: doc.tenantId, connectionId: doc._id, kid });
      }
    }
    const oldKeys = this.box.keyIds.slice(1).map((kid, index) => ({ position: index + 2, kid }));
    this.lastUsage = {
      checkedAt: new Date(),
      underOldKeys: oldKeys.reduce((sum, key) => sum + (perKid.get(key.kid) ?? 0), 0),
      unopenable,
      unopenableConnections,
      removableKeys: oldKeys.filter((key) => !perKid.has(key.kid)),
    };
    return this.lastUsage;
  }

  /** true = re-sealed; undefined = nothing to do (already current, or gone); else why it failed. */
  private async resealById(id: string): Promise<true | undefined | ResealReport["failed"][number]> {
    let tenantId = "";
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const doc = (await this.connections.raw.findOne({ _id: id })) as SealedDoc | null;
      tenantId = doc?.tenantId ?? tenantId;
      if (!doc?.sealedSecrets || !this.box.needsResealing(doc.sealedSecrets) || !this.box.canOpen(doc.sealedSecrets)) return undefined;
      let plaintext: string;
      try {
        plaintext = this.box.open(doc.sealedSecrets, connectionSecretContext(doc.tenantId, doc._id));
      } catch {
        return { tenantId: doc.tenantId, connectionId: id, reason: "the sealed value does not open with its key (tampered with, or copied from another record)" };
      }
      if (await this.reseal(doc, plaintext)) return true;
    }
    return { tenantId, connectionId: id, reason: `changed by others during ${ATTEMPTS} attempts; the next pass retries` };
  }

  /** Every connection that holds secrets, all tenants, only the fields a pass needs. */
  private listSealed(): AsyncIterable<SealedDoc> {
    return this.connections.raw.find({ sealedSecrets: { $ne: null } }, { projection: { _id: 1, tenantId: 1, "sealedSecrets.kid": 1 } }) as unknown as AsyncIterable<SealedDoc>;
  }
}

/** One pass with its summary logged: on the sync role's start-up and by `npm run reseal`. */
export async function resealAndReport(resealer: SecretResealer, log: Logger, options: { signal?: AbortSignal } = {}): Promise<ResealReport> {
  const report = await resealer.run(options);
  const removable = report.removableKeys.map((k) => `key ${k.position} (kid ${k.kid})`).join(", ");
  const summary =
    `re-sealed ${report.resealed} secret(s); ${report.underOldKeys} remain under old keys` +
    (report.underOldKeys === 0 && removable ? `: ${removable} can be removed from PACER_SECRET_KEY` : "");
  log.info({ resealed: report.resealed, underOldKeys: report.underOldKeys, unopenable: report.unopenable }, summary);
  for (const failure of report.failed) log.warn(failure, "could not re-seal a connection's secrets");
  if (report.unopenable > 0) {
    log.warn(
      { unopenable: report.unopenable, connections: report.unopenableConnections },
      `${report.unopenable} secret(s) are sealed under keys no longer in PACER_SECRET_KEY and cannot be opened: put the key back (after the first) or re-enter those connections' secrets`,
    );
  }
  return report;
}
