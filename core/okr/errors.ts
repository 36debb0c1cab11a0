import { AppError } from "../errors/appError.js";

/** OKR-specific errors, with stable ids clients can match on. */
export const alignmentCycle = (cycle: string[]) =>
  new AppError("alignment_cycle", 400, "This alignment would make an item its own ancestor.", { cycle });
export const objectiveClosed = () =>
  new AppError("objective_closed", 409, "The objective is closed; reopen it before changing it or checking in.");
export const invalidField = (path: string, message: string) =>
  new AppError("invalid_request", 400, `The request is invalid: ${path} ${message}.`, [{ path, message }]);
