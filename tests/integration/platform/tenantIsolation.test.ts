import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../../core/store/store.js";
import type { TenantDocument } from "../../../core/store/tenantCollection.js";
import { openTestStore, startTestPacer, type TestPacer } from "../../support/testPacer.js";

const TENANT_A = "aaaaaaaa-0000-4000-8000-000000000001";
const TENANT_B = "bbbbbbbb-0000-4000-8000-000000000002";

describe("tenant isolation", () => {
  describe("TenantCollection", () => {
    let store: Store;
    beforeAll(async () => {
      store = await openTestStore();
    });
    afterAll(async () => store.close());

    it("never reads, updates or deletes another tenant's document, whatever the filter says", async () => {
      const users = store.tenantCollection<TenantDocument & { name: string }>("users");
      const doc = await users.insert(TENANT_A, { name: "Ada", oid: "o1" } as never);
      expect(await users.findById(TENANT_B, doc._id)).toBeNull();
      // A filter that tries to name the tenant itself is overridden by the scope.
      expect(await users.findOne(TENANT_B, { tenantId: TENANT_A } as never)).toBeNull();
      expect(await users.find(TENANT_B, {})).toEqual([]);
      expect(await users.update(TENANT_B, doc._id, { $set: { name: "Mallory" } })).toBeNull();
      expect(await users.delete(TENANT_B, doc._id)).toBe(false);
      expect((await users.findById(TENANT_A, doc._id))?.name).toBe("Ada");
    });

    it("refuses a call without a tenant", async () => {
      const users = store.tenantCollection<TenantDocument>("users");
      await expect(users.find("", {})).rejects.toThrow(/tenantId is required/);
    });

    it("turns a stale version into a 409 conflict and keeps the newer write", async () => {
      const users = store.tenantCollection<TenantDocument & { name: string }>("users");
      const doc = await users.insert(TENANT_A, { name: "v1", oid: "o2" } as never);
      const first = await users.update(TENANT_A, doc._id, { $set: { name: "first" } }, { expectedVersion: 1 });
      expect(first?.version).toBe(2);
      await expect(users.update(TENANT_A, doc._id, { $set: { name: "second" } }, { expectedVersion: 1 })).rejects.toMatchObject({
        status: 409,
        id: "conflict",
      });
      expect((await users.findById(TENANT_A, doc._id))?.name).toBe("first");
    });
  });

  describe("over HTTP", () => {
    let pacer: TestPacer;
    beforeAll(async () => {
      pacer = await startTestPacer();
    });
    afterAll(async () => pacer.close());

    it("gives each tenant its own organisation, and another tenant's user id finds nothing", async () => {
      const alice = { tenantId: TENANT_A, oid: "aaaaaaaa-1111-4000-8000-000000000001", name: "Alice" };
      const bob = { tenantId: TENANT_B, oid: "bbbbbbbb-1111-4000-8000-000000000001", name: "Bob" };
      const meA = (await (await pacer.request("/api/v1/me", { as: alice })).json()) as { user: { id: string }; organization: { id: string } };
      const meB = (await (await pacer.request("/api/v1/me", { as: bob })).json()) as { user: { id: string }; organization: { id: string } };
      expect(meA.organization.id).not.toBe(meB.organization.id);

      expect((await pacer.request(`/api/v1/users/${meA.user.id}`, { as: alice })).status).toBe(200);
      const cross = await pacer.request(`/api/v1/users/${meA.user.id}`, { as: bob });
      expect(cross.status).toBe(404);
      expect(await cross.json()).toEqual({ error: { id: "not_found", message: "User was not found." } });
    });

    it("makes the first person of a tenant its owner and later people members, even when they arrive together", async () => {
      const tenantId = "cccccccc-0000-4000-8000-000000000003";
      const people = Array.from({ length: 6 }, (_, i) => ({ tenantId, oid: `cccccccc-1111-4000-8000-00000000000${i}`, name: `P${i}` }));
      const answers = await Promise.all(people.map(async (p) => (await pacer.request("/api/v1/me", { as: p })).json()));
      const orgIds = new Set(answers.map((a) => (a as { organization: { id: string } }).organization.id));
      expect(orgIds.size).toBe(1);
      const roles = answers.map((a) => (a as { user: { orgRole: string } }).user.orgRole);
      expect(roles.filter((r) => r === "owner")).toHaveLength(1);
      expect(roles.filter((r) => r === "member")).toHaveLength(5);
    });
  });
});
