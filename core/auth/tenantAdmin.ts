/**
 * Who is the tenant admin (the person who sets which integrations a tenant allows), from the
 * roles an Entra access token carries:
 * - `wids`: the user's directory roles, as role template ids. Emitted only when the app
 *   registration sets `groupMembershipClaims` to `DirectoryRole` or `All` (aad.manifest.json does).
 *   https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference#payload-claims
 * - `roles`: the user's app roles on Pacer's app registration (e.g. `Pacer.TenantAdmin`).
 *
 * Role template ids: https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference#all-roles
 */

export const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
export const TEAMS_ADMINISTRATOR = "69091246-20e8-4a56-aa4d-066075b2a7a8";
/** The app role declared in aad.manifest.json: tenant admin without a directory role. */
export const TENANT_ADMIN_APP_ROLE = "Pacer.TenantAdmin";
export const DEFAULT_TENANT_ADMIN_ROLES = [GLOBAL_ADMINISTRATOR, TEAMS_ADMINISTRATOR, TENANT_ADMIN_APP_ROLE];

/** The roles a token carries; absent from a principal when the token has neither claim. */
export interface TokenRoles {
  /** `wids`: directory role template ids, lower case. */
  directoryRoles: string[];
  /** `roles`: app role values, as declared. */
  appRoles: string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (value: string) => GUID.test(value);

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim()) : undefined;

/**
 * Reads `wids` and `roles` from a verified token's claims. Undefined only when neither claim is
 * there (the app registration emits none), which is what turns on the first-owner fallback; a
 * claim of the wrong type counts as present but empty, so a malformed token never gains it.
 */
export function rolesFromClaims(claims: Record<string, unknown>): TokenRoles | undefined {
  if (!("wids" in claims) && !("roles" in claims)) return undefined;
  return {
    directoryRoles: (strings(claims.wids) ?? []).filter(isGuid).map((id) => id.toLowerCase()),
    appRoles: strings(claims.roles) ?? [],
  };
}

/** A configured entry matches a directory role (GUIDs, any case) or an app role (exact value). */
export function holdsAnyRole(roles: TokenRoles, wanted: readonly string[]): boolean {
  return wanted.some((entry) => (isGuid(entry) ? roles.directoryRoles.includes(entry.toLowerCase()) : roles.appRoles.includes(entry)));
}

/**
 * The tenant admin holds one of `adminRoles` (PACER_TENANT_ADMIN_ROLES). Only when the token
 * carries no role claims at all does the organisation's first owner stand in, so a tenant that
 * has not configured the claims still has someone to set the allow-list.
 */
export function isTenantAdminBy(who: { roles?: TokenRoles | undefined; firstOwner: boolean }, adminRoles: readonly string[]): boolean {
  return who.roles ? holdsAnyRole(who.roles, adminRoles) : who.firstOwner;
}
