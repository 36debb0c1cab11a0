import type { z } from "zod";
import { badRequest } from "../../core/errors/appError.js";
import { zodDetails } from "./errorHandler.js";

/** Parses a request part with its schema; a failure is a 400 naming each bad field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what = "request body"): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(`The ${what} is invalid.`, zodDetails(result.error));
  return result.data;
}
