import type { AppError } from "../../core/errors/appError.js";

/** The AppError `fn` throws (fails the test when it throws nothing), to assert on its id, status and details. */
export function thrownBy(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    return error as AppError;
  }
  throw new Error("did not throw");
}
