/**
 * Errors that reach an API caller. Each has a stable `id` that clients and tests match on, an
 * HTTP status, a sentence for people, and optional machine-readable details (field errors…).
 * Build them with the factories below rather than `new AppError` so ids stay consistent.
 */
export class AppError extends Error {
  constructor(
    readonly id: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AppError";
  }

  toBody(): { error: { id: string; message: string; details?: unknown } } {
    return { error: { id: this.id, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError("invalid_request", 400, message, details);
export const unauthenticated = (message: string) => new AppError("unauthenticated", 401, message);
export const forbidden = (message: string) => new AppError("forbidden", 403, message);
export const notFound = (what: string) => new AppError("not_found", 404, `${what} was not found.`);
export const conflict = (message: string, details?: unknown) => new AppError("conflict", 409, message, details);
export const storeUnavailable = (reason: string, cause?: unknown) =>
  new AppError("store_unavailable", 503, `The database is unreachable (${reason}); try again shortly.`, undefined, { cause });
/** A request the API understands but does not support (e.g. an OData option the feed refuses rather than answer wrongly). */
export const notImplemented = (message: string) => new AppError("not_implemented", 501, message);
export const internalError = () => new AppError("internal_error", 500, "Something went wrong on our side; it has been logged.");
