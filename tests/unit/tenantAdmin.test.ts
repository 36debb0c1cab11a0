import { describe, expect, it } from "vitest";
import {
  DEFAULT_TENANT_ADMIN_ROLES,
  GLOBAL_ADMINISTRATOR,
  holdsAnyRole,
  isTenantAdminBy,
  rolesFromClaims,
  TEAMS_ADMINISTRATOR,
} from "../../core/auth/tenantAdmin.js";
import { ConfigError, parseConfig } from "../../core/config/config.js";

/** A directory role template id that is in no admin list. */
const OTHER_ROLE = "b79fbf4d-3ef9-4689-8143-76b194e85509";

describe("role claims of an Entra access token", () => {
  it("reads wids (lower-cased template ids) and roles (app role values)", () => {
    expect(rolesFromClaims({ wids: [GLOBAL_ADMINISTRATOR.toUpperCase(), OTHER_ROLE], roles: ["Pacer.TenantAdmin"] })).toEqual({
      directoryRoles: [GLOBAL_ADMINISTRATOR, OTHER_ROLE],
      appRoles: ["Pacer.TenantAdmin"],
    });
  });

  it("is undefined only when the token has neither claim", () => {
    expect(rolesFromClaims({ tid: "t", oid: "o", scp: "access_as_user" })).toBeUndefined();
    expect(rolesFromClaims({ wids: [OTHER_ROLE] })).toEqual({ directoryRoles: [OTHER_ROLE], appRoles: [] });
    expect(rolesFromClaims({ roles: [] })).toEqual({ directoryRoles: [], appRoles: [] });
  });

  it("treats a malformed claim as present but empty, never as a role", () => {
    expect(rolesFromClaims({ wids: GLOBAL_ADMINISTRATOR, roles: "Pacer.TenantAdmin" })).toEqual({ directoryRoles: [], appRoles: [] });
    expect(rolesFromClaims({ wids: ["not-a-guid", 42, null], roles: [7, "  "] })).toEqual({ directoryRoles: [], appRoles: [] });
  });
});

describe("tenant admin", () => {
  const admin = (wids: string[], roles: string[] = []) => ({ directoryRoles: wids, appRoles: roles });

  it("is a Global or Teams Administrator, or holds the Pacer.TenantAdmin app role, by default", () => {
    expect(holdsAnyRole(admin([OTHER_ROLE, GLOBAL_ADMINISTRATOR]), DEFAULT_TENANT_ADMIN_ROLES)).toBe(true);
    expect(holdsAnyRole(admin([TEAMS_ADMINISTRATOR]), DEFAULT_TENANT_ADMIN_ROLES)).toBe(true);
    expect(holdsAnyRole(admin([], ["Pacer.TenantAdmin"]), DEFAULT_TENANT_ADMIN_ROLES)).toBe(true);
    expect(holdsAnyRole(admin([OTHER_ROLE], ["pacer.tenantadmin"]), DEFAULT_TENANT_ADMIN_ROLES)).toBe(false);
  });

  it("matches a configured GUID against wids only, and any other entry against roles only", () => {
    expect(holdsAnyRole(admin([], [GLOBAL_ADMINISTRATOR]), [GLOBAL_ADMINISTRATOR])).toBe(false);
    expect(holdsAnyRole(admin([GLOBAL_ADMINISTRATOR]), [GLOBAL_ADMINISTRATOR.toUpperCase()])).toBe(true);
  });

  it("falls back to the first owner only when the token carries no role claims", () => {
    expect(isTenantAdminBy({ roles: undefined, firstOwner: true }, DEFAULT_TENANT_ADMIN_ROLES)).toBe(true);
    expect(isTenantAdminBy({ roles: undefined, firstOwner: false }, DEFAULT_TENANT_ADMIN_ROLES)).toBe(false);
    expect(isTenantAdminBy({ roles: admin([OTHER_ROLE]), firstOwner: true }, DEFAULT_TENANT_ADMIN_ROLES)).toBe(false);
    expect(isTenantAdminBy({ roles: admin([GLOBAL_ADMINISTRATOR]), firstOwner: false }, DEFAULT_TENANT_ADMIN_ROLES)).toBe(true);
  });

  it("reads PACER_TENANT_ADMIN_ROLES: default, a custom list, and a bad entry", () => {
    expect(parseConfig({}).PACER_TENANT_ADMIN_ROLES).toEqual([GLOBAL_ADMINISTRATOR, TEAMS_ADMINISTRATOR, "Pacer.TenantAdmin"]);
    expect(parseConfig({ PACER_TENANT_ADMIN_ROLES: ` ${GLOBAL_ADMINISTRATOR} , OKR.Admin ` }).PACER_TENANT_ADMIN_ROLES).toEqual([GLOBAL_ADMINISTRATOR, "OKR.Admin"]);
    let problems: string[] = [];
    try {
      parseConfig({ PACER_TENANT_ADMIN_ROLES: "OKR Admin,,x" });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toEqual([
      "PACER_TENANT_ADMIN_ROLES: entry 1 must be a role template id or an app role value (no spaces)",
      "PACER_TENANT_ADMIN_ROLES: entry 2 must be a role template id or an app role value (no spaces)",
    ]);
  });
});
