import { AppError } from "../errors/appError.js";

export const objectiveNotLinkable = () =>
  new AppError("objective_not_linkable", 400, "Only key results and projects can be linked to a data source; an objective's progress comes from its key results.");
export const integrationUnknown = (id: string) => new AppError("not_found", 404, `Integration "${id}" was not found.`);
export const integrationNotAllowed = (name: string) =>
  new AppError("integration_not_allowed", 403, `${name} is not on this tenant's allow-list; the tenant admin can allow it.`);
export const integrationDisabled = (name: string) =>
  new AppError("integration_disabled", 409, `${name} is not enabled in this organisation; an org owner or admin can enable it.`);
export const secretsUnreadable = () =>
  new AppError(
    "secrets_unreadable",
    409,
    "This connection's secrets were encrypted with a key that is no longer in PACER_SECRET_KEY; put that key back (after the first), or enter the secrets again.",
  );
export const connectionRemoved = () => new AppError("connection_removed", 409, "The link's connection was removed; pick another connection.");
export const linkPaused = (why: string) => new AppError("link_paused", 409, `The link is paused (${why.replaceAll("_", " ")}).`);
export const notLinked = (what: "keyResult" | "project" = "keyResult") =>
  new AppError("not_found", 404, `This ${what === "project" ? "project" : "key result"} is not linked to a data source.`);
export const rateLimitExceeded = (message: string, retryAfterMs: number) =>
  new AppError("rate_limit_exceeded", 429, message, { retryAfterMs });
/** A connector failed (preview, refresh): `type` is auth, config, resultShape or transient. */
export const sourceError = (type: string, message: string) => new AppError("source_error", 422, message, { type });
