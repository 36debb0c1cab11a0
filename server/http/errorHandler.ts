import type { ErrorRequestHandler, RequestHandler } from "express";
import { z } from "zod";
import { AppError, badRequest, internalError, notFound, storeUnavailable } from "../../core/errors/appError.js";
import { isStoreUnreachable, unreachableReason } from "../../core/store/unreachable.js";

/** Field-level details for a zod failure: `[{ path: "title", message: "…" }]`. */
export function zodDetails(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

/** Turns anything thrown into the `{ error: { id, message, details } }` shape with the right status. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return badRequest("The request is invalid.", zodDetails(error));
  if (isStoreUnreachable(error)) return storeUnavailable(unreachableReason(error), error);
  const http = error as { status?: number; type?: string; expose?: boolean; message?: string };
  if (http.type === "entity.parse.failed") return new AppError("invalid_json", 400, "The request body is not valid JSON.");
  if (http.type === "entity.too.large") return new AppError("payload_too_large", 413, "The request body is too large.");
  if (http.type === "encoding.unsupported" || http.type === "charset.unsupported") {
    return new AppError("unsupported_media_type", 415, http.message ?? "Unsupported request encoding.");
  }
  return internalError();
}

export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const appError = toAppError(error);
  if (appError.status >= 500) req.log?.error({ err: error }, appError.message);
  if (res.headersSent) return;
  if (appError.status === 503) res.setHeader("Retry-After", "5");
  res.status(appError.status).json(appError.toBody());
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`${req.method} ${req.path}`));
};
