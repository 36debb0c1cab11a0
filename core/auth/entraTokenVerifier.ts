import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { AppError, unauthenticated } from "../errors/appError.js";
import type { Principal, TokenVerifier } from "./principal.js";
import { rolesFromClaims } from "./tenantAdmin.js";

export interface EntraVerifierOptions {
  /** OpenID configuration of the Entra authority (a sovereign cloud has its own). */
  metadataUrl: string;
  /** Issuer of v1 tokens, with `{tenantid}` for the tenant (v2 comes from the metadata). */
  v1IssuerTemplate: string;
  /** The tab's Entra app (client) id. */
  clientId: string;
  /** Host of the app id URI `api://<host>/<client id>`, i.e. where the tab is served. */
  appIdUriHost?: string | undefined;
  requiredScope: string;
  /** Lower-case tenant ids allowed to sign in; empty = any tenant (multi-tenant app). */
  allowedTenants: string[];
  clockToleranceSeconds?: number;
}

interface OpenIdMetadata {
  issuer: string;
  jwks_uri: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Validates Teams SSO access tokens issued by Microsoft Entra ID: signature against the
 * authority's JWKS, audience (client id or app id URI), expiry, issuer for the token's own tenant
 * (v1 or v2 format), and the delegated scope the tab asks for.
 */
export class EntraTokenVerifier implements TokenVerifier {
  private metadata: Promise<{ v2IssuerTemplate: string; jwks: ReturnType<typeof createRemoteJWKSet> }> | undefined;
  private readonly audiences: string[];

  constructor(private readonly options: EntraVerifierOptions) {
    this.audiences = [options.clientId];
    if (options.appIdUriHost) this.audiences.push(`api://${options.appIdUriHost}/${options.clientId}`);
  }

  private loadMetadata() {
    this.metadata ??= (async () => {
      const response = await fetch(this.options.metadataUrl, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`OpenID metadata ${this.options.metadataUrl} answered ${response.status}`);
      const body = (await response.json()) as Partial<OpenIdMetadata>;
      if (!body.issuer || !body.jwks_uri) throw new Error("OpenID metadata lacks issuer or jwks_uri");
      return { v2IssuerTemplate: body.issuer, jwks: createRemoteJWKSet(new URL(body.jwks_uri)) };
    })();
    // A failed fetch is retried on the next request rather than cached forever.
    this.metadata.catch(() => (this.metadata = undefined));
    return this.metadata;
  }

  async verify(token: string): Promise<Principal> {
    const { v2IssuerTemplate, jwks } = await this.loadMetadata().catch((error: Error) => {
      throw new AppError("identity_provider_unavailable", 503, `Sign-in cannot be checked right now: ${error.message}.`);
    });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        audience: this.audiences,
        clockTolerance: this.options.clockToleranceSeconds ?? 60,
        algorithms: ["RS256"],
        requiredClaims: ["exp", "iss", "tid", "oid"],
      }));
    } catch (error) {
      throw unauthenticated(describeJoseError(error));
    }
    const tid = String(payload.tid ?? "").toLowerCase();
    if (!GUID.test(tid)) throw unauthenticated("The token has no valid tenant id (tid).");
    const issuers = [v2IssuerTemplate, this.options.v1IssuerTemplate].map((t) => t.replace("{tenantid}", tid));
    if (!issuers.includes(String(payload.iss))) {
      throw unauthenticated(`The token issuer ${String(payload.iss)} is not the Entra authority of tenant ${tid}.`);
    }
    if (this.options.allowedTenants.length > 0 && !this.options.allowedTenants.includes(tid)) {
      throw unauthenticated(`Tenant ${tid} is not allowed to use this Pacer installation.`);
    }
    const scopes = typeof payload.scp === "string" ? payload.scp.split(" ") : [];
    if (!scopes.includes(this.options.requiredScope)) {
      throw unauthenticated(`The token lacks the delegated scope "${this.options.requiredScope}".`);
    }
    const claim = (name: string) => (typeof payload[name] === "string" ? (payload[name] as string) : undefined);
    return {
      tenantId: tid,
      oid: String(payload.oid).toLowerCase(),
      name: claim("name"),
      email: claim("preferred_username") ?? claim("upn") ?? claim("email"),
      roles: rolesFromClaims(payload),
      via: "entra",
    };
  }
}

export function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "The token has expired.";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.claim === "aud" ? "The token was issued for another application (audience)." : `The token's ${error.claim} claim is invalid.`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "The token signature is invalid.";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "The token was not signed by a key of the identity provider.";
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return "The token is malformed.";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "The token's signing algorithm is not accepted.";
  return "The token could not be verified.";
}
