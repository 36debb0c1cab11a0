import { randomBytes } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { unauthenticated } from "../errors/appError.js";
import { describeJoseError } from "./entraTokenVerifier.js";
import type { Principal, TokenVerifier } from "./principal.js";
import { rolesFromClaims } from "./tenantAdmin.js";

/** The demo organisation that dev sign-in lands in unless another tenant is asked for. */
export const DEMO_TENANT_ID = "00000000-0000-4000-8000-0000000de000";
export const DEMO_USER = { oid: "00000000-0000-4000-8000-0000000de001", name: "Dana Demo", email: "dana@demo.pacer.local" };

const ISSUER = "urn:pacer:dev-auth";
const AUDIENCE = "urn:pacer:api";

/**
 * Dev sign-in (`PACER_DEV_AUTH=1`, refused in production): the standalone browser UI and local
 * tools get short-lived HS256 tokens for a demo user without Microsoft Entra. The key lives in
 * memory, so tokens die with the process.
 */
export class DevTokenIssuer implements TokenVerifier {
  private readonly key = randomBytes(32);

  async issue(identity: Partial<Omit<Principal, "via">> = {}, ttlSeconds = 8 * 3600): Promise<string> {
    const principal = {
      tid: (identity.tenantId ?? DEMO_TENANT_ID).toLowerCase(),
      oid: (identity.oid ?? DEMO_USER.oid).toLowerCase(),
      name: identity.name ?? (identity.oid ? "Dev user" : DEMO_USER.name),
      email: identity.email ?? (identity.oid ? undefined : DEMO_USER.email),
      // Role claims as Entra names them, so tests can sign in as a Global Administrator or an app role holder.
      ...(identity.roles ? { wids: identity.roles.directoryRoles, roles: identity.roles.appRoles } : {}),
    };
    return new SignJWT({ ...principal })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"] });
      return {
        tenantId: String(payload.tid),
        oid: String(payload.oid),
        name: typeof payload.name === "string" ? payload.name : undefined,
        email: typeof payload.email === "string" ? payload.email : undefined,
        roles: rolesFromClaims(payload),
        via: "dev",
      };
    } catch (error) {
      throw unauthenticated(describeJoseError(error));
    }
  }

  static isDevToken(token: string): boolean {
    try {
      const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { iss?: unknown };
      return payload.iss === ISSUER;
    } catch {
      return false;
    }
  }
}
