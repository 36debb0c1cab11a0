import { randomUUID } from "node:crypto";
import type { IntegrationService } from "../../core/integrations/integrationService.js";
import type { KrLink } from "../../core/integrations/model.js";
import { sourceKey } from "../../core/integrations/schedule.js";
import { type Actor, userActor } from "../../core/okr/actor.js";
import type { KeyResult } from "../../core/okr/model.js";
import type { OkrServices } from "../../core/okr/okrService.js";
import { objectiveCreate } from "../../core/okr/schemas.js";
import { UserRepository } from "../../core/store/repositories/users.js";
import type { Store } from "../../core/store/store.js";

export interface SeededLinks {
  tenantId: string;
  actor: Actor;
  connectionId: string;
  objectiveId: string;
  keyResultIds: string[];
  links: KrLink[];
}

/**
 * A tenant with Web JSON enabled, one shared connection to `baseUrl`, and `count` metric KRs each
 * linked to `pathOf(i)` (value at `value`), due at `dueAt`. Bulk-inserted: fast enough for 10k.
 */
export async function seedLinkedKeyResults(options: {
  store: Store;
  okr: OkrServices;
  integrations: IntegrationService;
  baseUrl: string;
  count: number;
  pathOf: (i: number) => string;
  lastValueOf?: (i: number) => number | null;
  dueAt?: Date;
  tenantId?: string;
  secrets?: Record<string, unknown>;
}): Promise<SeededLinks> {
  const tenantId = options.tenantId ?? randomUUID();
  const user = await new UserRepository(options.store).upsertSeen(tenantId, { oid: randomUUID(), name: "Seed Owner", orgRole: "owner" });
  const actor = userActor(tenantId, user, "api");
  const { integrations, okr } = options;
  await integrations.setEnabled(actor, "webjson", true);
  const connection = await integrations.createConnection(actor, "webjson", {
    name: "Loopback",
    visibility: "shared",
    config: { baseUrl: options.baseUrl },
    secrets: options.secrets ?? {},
  });
  const period = await okr.periods.current(actor);
  const objective = await okr.objectives.create(
    actor,
    objectiveCreate.parse({ title: "Synced things", periodId: period._id, keyResults: [{ title: "template", measurement: { kind: "metric", start: 0, target: 1_000_000, unit: null, decimals: 0 } }] }),
  );
  const template = (await okr.store.keyResults.find(tenantId, { objectiveId: objective._id }))[0]!;
  const now = new Date();
  const keyResults: KeyResult[] = Array.from({ length: options.count }, (_, i) => ({ ...template, _id: randomUUID(), title: `KR ${i}`, order: i, createdAt: now, updatedAt: now }));
  await okr.store.keyResults.raw.deleteOne({ _id: template._id });
  const links: KrLink[] = keyResults.map((kr, i) => {
    const source = { path: options.pathOf(i), valuePath: "value" };
    const lastValue = options.lastValueOf?.(i) ?? null;
    return {
      _id: randomUUID(),
      tenantId,
      version: 1,
      createdAt: now,
      updatedAt: now,
      keyResultId: kr._id,
      objectiveId: objective._id,
      integrationId: "webjson",
      connectionId: connection._id,
      mode: "pull",
      source,
      sourceKey: sourceKey(connection._id, source),
      createdBy: user._id,
      pushTokenHash: null,
      active: true,
      nextSyncAt: options.dueAt ?? new Date(now.getTime() - 1000),
      status: lastValue === null ? "pending" : "ok",
      pausedReason: null,
      stoppedUntilEdited: false,
      failures: 0,
      lastSyncedAt: null,
      lastSuccessAt: null,
      lastValue,
      lastDetails: null,
      lastError: null,
    };
  });
  for (let i = 0; i < keyResults.length; i += 1000) {
    await okr.store.keyResults.raw.insertMany(keyResults.slice(i, i + 1000));
    await integrations.store.links.raw.insertMany(links.slice(i, i + 1000));
  }
  return { tenantId, actor, connectionId: connection._id, objectiveId: objective._id, keyResultIds: keyResults.map((k) => k._id), links };
}
