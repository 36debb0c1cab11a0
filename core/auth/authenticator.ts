import { unauthenticated } from "../errors/appError.js";
import { DevTokenIssuer } from "./devTokens.js";
import type { Principal, TokenVerifier } from "./principal.js";

/**
 * Chooses the verifier for a bearer token: dev tokens only when dev sign-in is on, everything
 * else goes to Entra. With neither configured every token is refused (with the reason).
 */
export class Authenticator {
  constructor(
    private readonly entra: TokenVerifier | undefined,
    readonly dev: DevTokenIssuer | undefined,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match?.[1]) throw unauthenticated("Sign in first: send an Authorization: Bearer <token> header.");
    const token = match[1];
    if (this.dev && DevTokenIssuer.isDevToken(token)) return this.dev.verify(token);
    if (!this.entra) throw unauthenticated("Teams sign-in is not configured on this server (AAD_APP_CLIENT_ID is unset).");
    return this.entra.verify(token);
  }
}
