import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { SecretBox } from "../../../core/crypto/secretBox.js";
import { STATE_BUCKETS, type StateBucket } from "../../../core/integrations/linkStates.js";
import { createLogger } from "../../../core/log/logger.js";
import { EventBus } from "../../../core/events.js";
import { createOkrServices, type OkrServices } from "../../../core/okr/okrService.js";
import { Store } from "../../../core/store/store.js";
import { loadConnectorRegistry, type Registry } from "../../../sync/connectors/registry.js";
import { SyncEngine } from "../../../sync/engine/syncEngine.js";
import { createIntegrations, type Integrations } from "../../../sync/integrations.js";
import { LoopbackJson } from "../../support/loopbackJson.js";
import { seedLinkedKeyResults } from "../../support/syncFixtures.js";
import { openTestStore } from "../../support/testPacer.js";

const log = createLogger("silent");
let store: Store;
let okr: OkrServices;
let registry: Registry;
let source: LoopbackJson;
const secrets = new SecretBox([randomBytes(32)]);
const noSleep = async () => {};

let ownStores: Store[] = [];

/**
 * One "process": its own integrations stack and engine (own owner id), sharing the store, or with
 * `ownStore` its own connections to the same database (so its writes are not queued behind the
 * other process's, as on two machines).
 */
async function processNamed(owner: string, engine: Partial<ConstructorParameters<typeof SyncEngine>[0]> = {}, options: { ownStore?: boolean } = {}): Promise<Integrations> {
  let own = store;
  let services = okr;
  if (options.ownStore) {
    own = Store.open({ uri: inject("mongoUri"), dbName: store.db.databaseName });
    await own.prepare();
    ownStores.push(own);
    services = createOkrServices(own, { events: okr.events });
  }
  return createIntegrations({ store: own, secrets, okr: services, log, registry, owner, engine: { sleep: noSleep, ...engine } });
}

beforeAll(async () => {
  registry = await loadConnectorRegistry(log);
  source = await new LoopbackJson().start();
});
// Each test gets its own database: due links are looked for across every tenant.
beforeEach(async () => {
  store = await openTestStore();
  okr = createOkrServices(store, { events: new EventBus() });
});
afterEach(async () => {
  await Promise.all([store, ...ownStores].map((s) => s.close()));
  ownStores = [];
});
afterAll(async () => {
  await source.stop();
});

describe("sync engine (Web JSON against a loopback server)", () => {
  it("two processes sync 500 due links exactly once between them; changed values become check-ins", async () => {
    // Small batches and separate connections, so the two processes race for the same buckets batch after batch.
    const a = await processNamed("proc-a", { chunkSize: 50 });
    const b = await processNamed("proc-b", { chunkSize: 50 }, { ownStore: true });
    for (let i = 0; i < 500; i += 1) source.values.set(`/once/${i}`, i);
    // 20 links see a new value; 480 already carry the served one.
    const seeded = await seedLinkedKeyResults({ store, okr, integrations: a.service, baseUrl: source.url, count: 500, pathOf: (i) => `/once/${i}`, lastValueOf: (i) => (i < 20 ? null : i) });
    const events: string[] = [];
    okr.events.subscribe("keyResult.checkedIn", (e) => void events.push(e.keyResult._id));

    const now = new Date();
    const [ra, rb] = await Promise.all([a.engine.runDue(undefined, now), b.engine.runDue(undefined, now)]);
    expect(ra.claimed + rb.claimed).toBe(500);
    for (let i = 0; i < 500; i += 1) expect(source.hits.get(`/once/${i}`), `link ${i}`).toBe(1);
    expect(ra.changed + rb.changed).toBe(20);

    const links = await a.service.store.findLinks(seeded.tenantId);
    expect(links.every((l) => l.status === "ok" && l.nextSyncAt! > now && l.lastSyncedAt !== null)).toBe(true);
    const checkIns = await okr.store.checkIns.find(seeded.tenantId, {});
    expect(checkIns).toHaveLength(20);
    expect(checkIns[0]!.source).toMatchObject({ kind: "integration", integrationId: "webjson", connectionId: seeded.connectionId });
    const kr = await okr.store.keyResults.findById(seeded.tenantId, seeded.keyResultIds[7]!);
    expect(kr!.current).toBe(7);
    await new Promise((r) => setTimeout(r, 50));
    expect(new Set(events).size).toBe(20);

    // Nothing is due any more at that time: a second run of both fetches nothing.
    const again = await Promise.all([a.engine.runDue(undefined, now), b.engine.runDue(undefined, now)]);
    expect(again[0].claimed + again[1].claimed).toBe(0);
    await a.service.store.links.deleteMany(seeded.tenantId, {});
  }, 180_000);

  it("takes over the links of a process that died after claiming them", async () => {
    const dead = await processNamed("proc-dead", { leaseMs: 1_000 });
    const alive = await processNamed("proc-alive", { leaseMs: 1_000 });
    for (let i = 0; i < 20; i += 1) source.values.set(`/crash/${i}`, 100 + i);
    const seeded = await seedLinkedKeyResults({ store, okr, integrations: dead.service, baseUrl: source.url, count: 20, pathOf: (i) => `/crash/${i}` });
    const now = new Date();
    // "Killed" right after claiming: claims exist, nothing synced.
    expect(await dead.engine.claimDue(now)).toHaveLength(20);
    expect((await alive.engine.runDue(undefined, now)).claimed).toBe(0);
    const later = new Date(now.getTime() + 2_000);
    const report = await alive.engine.runDue(undefined, later);
    expect(report.claimed).toBe(20);
    expect(report.ok).toBe(20);
    for (let i = 0; i < 20; i += 1) expect(source.hits.get(`/crash/${i}`)).toBe(1);
    await dead.service.store.links.deleteMany(seeded.tenantId, {});
  });

  it("fetches identical sources once, retries transient errors, and keeps one link's failure to itself", async () => {
    const p = await processNamed("proc-mixed");
    source.values.set("/shared", 5);
    let flaky = 0;
    source.handler = (path) => {
      if (path === "/flaky") return (flaky += 1) === 1 ? { status: 503 } : { body: { value: 9 } };
      if (path === "/shape") return { body: { value: "many" } };
      return undefined;
    };
    const paths = ["/shared", "/shared", "/shared", "/shared", "/flaky", "/missing", "/shape"];
    const seeded = await seedLinkedKeyResults({ store, okr, integrations: p.service, baseUrl: source.url, count: paths.length, pathOf: (i) => paths[i]! });
    const report = await p.engine.runDue(undefined, new Date());
    source.handler = undefined;
    expect(report).toMatchObject({ claimed: 7, ok: 5, failed: 2, fetches: 5 });
    expect(source.hits.get("/shared")).toBe(1);
    expect(flaky).toBe(2);
    const byKr = new Map((await p.service.store.findLinks(seeded.tenantId)).map((l) => [l.keyResultId, l]));
    const missing = byKr.get(seeded.keyResultIds[5]!)!;
    expect(missing).toMatchObject({ status: "failed", stoppedUntilEdited: true, active: false, lastError: { type: "config" } });
    expect(byKr.get(seeded.keyResultIds[6]!)).toMatchObject({ status: "failed", lastError: { type: "resultShape" } });
    expect(byKr.get(seeded.keyResultIds[4]!)).toMatchObject({ status: "ok", lastValue: 9 });
    const kr = await okr.store.keyResults.findById(seeded.tenantId, seeded.keyResultIds[0]!);
    expect(kr!.current).toBe(5);
    await p.service.store.links.deleteMany(seeded.tenantId, {});
  });

  it("stores a run's outcomes in the link's state buckets, one document per bucket, and leaves the link documents alone", async () => {
    const p = await processNamed("proc-buckets");
    for (let i = 0; i < 300; i += 1) source.values.set(`/bucketed/${i}`, 1000 + i);
    // Values unchanged: no check-ins, only states.
    const seeded = await seedLinkedKeyResults({ store, okr, integrations: p.service, baseUrl: source.url, count: 300, pathOf: (i) => `/bucketed/${i}`, lastValueOf: (i) => 1000 + i });
    const before = await p.service.store.links.find(seeded.tenantId, {});
    const now = new Date();
    expect(await p.engine.runDue(undefined, now)).toMatchObject({ claimed: 300, ok: 300, changed: 0 });

    expect(await p.service.store.links.find(seeded.tenantId, {})).toEqual(before);
    const buckets = await store.collection<StateBucket>("linkSyncStates").find({ tenantId: seeded.tenantId }).toArray();
    expect(buckets.length).toBeGreaterThan(1);
    expect(buckets.length).toBeLessThanOrEqual(STATE_BUCKETS);
    expect(buckets.reduce((n, b) => n + Object.keys(b.states ?? {}).length, 0)).toBe(300);
    const links = await p.service.store.findLinks(seeded.tenantId);
    expect(links.every((l) => l.status === "ok" && l.lastValue === 1000 + seeded.keyResultIds.indexOf(l.keyResultId) && l.nextSyncAt! > now)).toBe(true);
    // Claims are gone once their buckets are written.
    expect(await store.collection("linkClaims").countDocuments({})).toBe(0);
  });

  it("lets an edit made while a link syncs win over that sync's outcome, keeping the value it found", async () => {
    const p = await processNamed("proc-edit");
    source.values.set("/before-edit", 3);
    source.values.set("/after-edit", 4);
    const seeded = await seedLinkedKeyResults({ store, okr, integrations: p.service, baseUrl: source.url, count: 1, pathOf: () => "/before-edit" });
    const [stale] = await p.service.store.findLinks(seeded.tenantId);
    const { link: saved } = await p.service.saveLink(seeded.actor, seeded.keyResultIds[0]!, { connectionId: seeded.connectionId, source: { path: "/after-edit", valuePath: "value" } });
    expect(saved.version).toBe(stale!.version + 1);

    // The sync read the link before the edit: its state is for the old version.
    const [outcome] = await p.engine.sync([stale!], { manual: false });
    expect(outcome).toMatchObject({ ok: true, value: 3 });
    const edited = (await p.service.store.findLinks(seeded.tenantId))[0]!;
    expect(edited).toMatchObject({ status: "pending", source: { path: "/after-edit" }, lastValue: 3, active: true });
    expect(edited.nextSyncAt!.getTime()).toBeLessThanOrEqual(Date.now());

    expect(await p.engine.runDue(undefined, new Date())).toMatchObject({ claimed: 1, ok: 1, changed: 1 });
    expect((await p.service.store.findLinks(seeded.tenantId))[0]).toMatchObject({ status: "ok", lastValue: 4 });
  });

  it("shares a 429's Retry-After with every process: none fetches from that connection until then", async () => {
    const a = await processNamed("proc-429-a", { connectionConcurrency: 1 });
    const b = await processNamed("proc-429-b", { connectionConcurrency: 1 });
    source.handler = (path) => (path.startsWith("/limited/") ? { status: 429, headers: { "retry-after": "120" }, body: {} } : undefined);
    const seeded = await seedLinkedKeyResults({ store, okr, integrations: a.service, baseUrl: source.url, count: 6, pathOf: (i) => `/limited/${i}` });
    const first = (await a.service.store.findLinks(seeded.tenantId))[0]!;
    await a.engine.sync([first], { manual: false });
    const hitsAfterA = [...source.hits.entries()].filter(([k]) => k.startsWith("/limited/")).reduce((n, [, v]) => n + v, 0);
    expect(hitsAfterA).toBe(1);
    const block = await a.service.store.blocks.findOne({ _id: seeded.connectionId });
    expect(block!.until.getTime()).toBeGreaterThan(Date.now() + 100_000);

    const report = await b.engine.runDue(undefined, new Date());
    const hitsAfterB = [...source.hits.entries()].filter(([k]) => k.startsWith("/limited/")).reduce((n, [, v]) => n + v, 0);
    expect(hitsAfterB).toBe(1);
    expect(report.failed).toBeGreaterThanOrEqual(5);
    const links = await b.service.store.findLinks(seeded.tenantId);
    for (const link of links) {
      expect(link).toMatchObject({ status: "failed", active: true, lastError: { type: "rateLimited" } });
      expect(link.nextSyncAt!.getTime()).toBeGreaterThanOrEqual(block!.until.getTime() - 1000);
    }
    source.handler = undefined;
    await a.service.store.links.deleteMany(seeded.tenantId, {});
  });
});
