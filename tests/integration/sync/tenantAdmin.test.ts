import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GLOBAL_ADMINISTRATOR, TENANT_ADMIN_APP_ROLE } from "../../../core/auth/tenantAdmin.js";
import { apiClient, person } from "../okr/support.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";

/** A directory role template id that is in no admin list. */
const OTHER_ROLE = "b79fbf4d-3ef9-4689-8143-76b194e85509";

let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  pacer = await startTestPacer();
  api = apiClient(pacer);
});
afterAll(async () => {
  await pacer?.close();
});

const selectWebJson = { mode: "selected", integrationIds: ["webjson"] };

describe("tenant admin from the token's role claims", () => {
  const tenant = randomUUID();
  // The first person to sign in becomes the org owner, but their token carries role claims without an admin role.
  const owner = { ...person(tenant, "Olga Owner"), roles: { directoryRoles: [OTHER_ROLE], appRoles: [] } };
  const globalAdmin = { ...person(tenant, "Gia Global"), roles: { directoryRoles: [OTHER_ROLE, GLOBAL_ADMINISTRATOR], appRoles: [] } };
  const appRoleHolder = { ...person(tenant, "Abe AppRole"), roles: { directoryRoles: [], appRoles: [TENANT_ADMIN_APP_ROLE] } };

  it("refuses the first owner when their token carries roles but no admin role", async () => {
    expect((await api(owner, "GET", "/me")).body.user.orgRole).toBe("owner");
    expect((await api(owner, "GET", "/integrations")).body.you).toMatchObject({ tenantAdmin: false, orgAdmin: true });
    const refused = await api(owner, "PUT", "/integrations/allow-list", selectWebJson);
    expect(refused.status).toBe(403);
    expect(refused.body.error.id).toBe("forbidden");
  });

  it("lets a Global Administrator who is a plain member set the allow-list", async () => {
    expect((await api(globalAdmin, "GET", "/me")).body.user.orgRole).toBe("member");
    const set = await api(globalAdmin, "PUT", "/integrations/allow-list", selectWebJson);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.you).toMatchObject({ tenantAdmin: true, orgAdmin: false });
    expect(set.body.allowList).toEqual(selectWebJson);
    // The owner sees the result and still manages what is allowed.
    const ownerView = (await api(owner, "GET", "/integrations")).body;
    expect(ownerView.allowList).toEqual(selectWebJson);
    expect((await api(owner, "POST", "/integrations/webjson/enable", {})).status).toBe(200);
  });

  it("lets a holder of the Pacer.TenantAdmin app role set it too", async () => {
    const set = await api(appRoleHolder, "PUT", "/integrations/allow-list", { mode: "all" });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.you.tenantAdmin).toBe(true);
  });
});

describe("tenant admin when the tokens carry no role claims", () => {
  const tenant = randomUUID();
  const first = person(tenant, "Fay First");
  const second = person(tenant, "Sam Second");

  it("falls back to the organisation's first owner", async () => {
    expect((await api(first, "GET", "/integrations")).body.you.tenantAdmin).toBe(true);
    const set = await api(first, "PUT", "/integrations/allow-list", { mode: "none" });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.allowList.mode).toBe("none");
  });

  it("does not make anyone else tenant admin, owners included", async () => {
    const secondId = (await api(second, "GET", "/me")).body.user.id;
    expect((await api(first, "PATCH", `/users/${secondId}/role`, { orgRole: "owner" })).status).toBe(200);
    expect((await api(second, "GET", "/integrations")).body.you).toMatchObject({ tenantAdmin: false, orgAdmin: true });
    expect((await api(second, "PUT", "/integrations/allow-list", { mode: "all" })).status).toBe(403);
  });
});
