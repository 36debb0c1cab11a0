import type { TokenRoles } from "./tenantAdmin.js";

/** Who is calling, as proven by a verified token: an Entra tenant and user. */
export interface Principal {
  tenantId: string;
  oid: string;
  name?: string | undefined;
  email?: string | undefined;
  /** Directory roles (`wids`) and app roles (`roles`); undefined when the token carries neither claim. */
  roles?: TokenRoles | undefined;
  /** How the token was verified. */
  via: "entra" | "dev" | "bot";
}

export interface TokenVerifier {
  /** Resolves the principal or throws an AppError 401 saying why the token is refused. */
  verify(token: string): Promise<Principal>;
}
