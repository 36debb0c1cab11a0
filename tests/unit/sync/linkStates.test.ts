import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bucketOf, decodeState, encodeState, STATE_BUCKETS, stateOf, withState, type LinkSyncState } from "../../../core/integrations/linkStates.js";
import type { KrLink } from "../../../core/integrations/model.js";

const at = (iso: string) => new Date(iso);

const link = (overrides: Partial<KrLink> = {}): KrLink => ({
  _id: "7d0c9b46-3c0e-4d47-9f0a-6f8b3f1c2a10",
  tenantId: "t1",
  version: 3,
  createdAt: at("2027-01-01T00:00:00Z"),
  updatedAt: at("2027-01-01T00:00:00Z"),
  keyResultId: "kr1",
  objectiveId: "o1",
  integrationId: "webjson",
  connectionId: "c1",
  mode: "pull",
  source: { path: "/v", valuePath: "value" },
  sourceKey: "k",
  createdBy: null,
  pushTokenHash: null,
  active: true,
  nextSyncAt: at("2027-01-01T10:00:00Z"),
  status: "pending",
  pausedReason: null,
  stoppedUntilEdited: false,
  failures: 0,
  lastSyncedAt: null,
  lastSuccessAt: null,
  lastValue: null,
  lastDetails: null,
  lastError: null,
  ...overrides,
});

const synced: LinkSyncState = {
  linkVersion: 3,
  status: "failed",
  active: false,
  stoppedUntilEdited: true,
  failures: 2,
  nextSyncAt: null,
  lastError: { type: "auth", message: 'The "token" was refused, 401', at: at("2027-01-01T10:05:00Z") },
  lastSyncedAt: at("2027-01-01T09:00:00Z"),
  lastSuccessAt: at("2027-01-01T09:00:00Z"),
  lastValue: 41.5,
  lastDetails: "3 work items",
};

describe("link sync states", () => {
  it("round-trip through their compact encoding", () => {
    expect(decodeState(encodeState(synced))).toEqual(synced);
    const fresh = stateOf(link(), { status: "ok", lastValue: -2, nextSyncAt: at("2027-01-01T11:00:00Z") });
    expect(decodeState(encodeState(fresh))).toEqual(fresh);
  });

  it("read anything they cannot understand as no state", () => {
    for (const bad of [undefined, 42, "", "not json", "{}", "[]", JSON.stringify([2, 3, "ok"]), encodeState(synced).replace('"failed"', '"exploded"')]) {
      expect(decodeState(bad), String(bad)).toBeNull();
    }
  });

  it("lay their control fields over the link only for the version they were decided for", () => {
    const same = withState(link(), synced);
    expect(same).toMatchObject({ status: "failed", active: false, stoppedUntilEdited: true, failures: 2, nextSyncAt: null, lastError: synced.lastError, lastValue: 41.5 });

    // The link was edited since (saved again, paused, resumed): its own control fields win,
    // but what the last sync found stays.
    const edited = withState(link({ version: 4, status: "pending", nextSyncAt: at("2027-01-01T10:10:00Z") }), synced);
    expect(edited).toMatchObject({ status: "pending", active: true, stoppedUntilEdited: false, failures: 0, lastError: null, nextSyncAt: at("2027-01-01T10:10:00Z") });
    expect(edited).toMatchObject({ lastValue: 41.5, lastDetails: "3 work items", lastSyncedAt: synced.lastSyncedAt, lastSuccessAt: synced.lastSuccessAt });

    expect(withState(link(), null)).toEqual(link());
  });

  it("put every link in one of the buckets, the same one each time, spread evenly", () => {
    const counts = new Array(STATE_BUCKETS).fill(0);
    for (let i = 0; i < 64_000; i += 1) {
      const id = randomUUID();
      const bucket = bucketOf(id);
      expect(bucketOf(id)).toBe(bucket);
      counts[bucket] += 1;
    }
    expect(Math.min(...counts)).toBeGreaterThan(850);
    expect(Math.max(...counts)).toBeLessThan(1150);
  });
});
