import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../../core/store/store.js";
import { openTestStore } from "../../support/testPacer.js";

/**
 * FerretDB v1 applies an update by read-modify-write in its own process, so concurrent updates of
 * one document lose each other's changes unless the writes are serialized. These tests fail when
 * that protection is missing (run against MongoDB they pass either way).
 */
describe("concurrent writes through the Store", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore();
  });
  afterAll(async () => store.close());

  it("detects FerretDB and serializes writes", () => {
    expect(store.writesSerialized).toBe(true);
  });

  it("loses no concurrent $inc or $set on one document", async () => {
    const counters = store.collection<{ _id: string; n?: number }>("schedulerJobs");
    await counters.insertOne({ _id: "counter" });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => counters.updateOne({ _id: "counter" }, { $inc: { n: 1 }, $set: { [`f${i}`]: i } as never })),
    );
    const doc = await counters.findOne({ _id: "counter" });
    expect(doc?.n).toBe(40);
    expect(Object.keys(doc ?? {}).filter((k) => k.startsWith("f"))).toHaveLength(40);
  });

  it("lets exactly one of many writers holding the same version win; the others get 409", async () => {
    const users = store.tenantCollection<{ _id: string; tenantId: string; version: number; createdAt: Date; updatedAt: Date; name: string }>("users");
    const doc = await users.insert("tenant-cas", { name: "v1", oid: "cas" } as never);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => users.update("tenant-cas", doc._id, { $set: { name: `writer-${i}` } }, { expectedVersion: 1 })),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === "rejected")) expect((o as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
    expect((await users.findById("tenant-cas", doc._id))?.version).toBe(2);
  });
});
