import { expect } from "vitest";
import type { AppError } from "../../core/errors/appError.js";
import { ConnectorError } from "../../sync/connectors/errors.js";

/** The AppError `fn` throws (fails the test when it throws nothing), to assert on its id, status and details. */
export function thrownBy(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    return error as AppError;
  }
  throw new Error("did not throw");
}

/** The ConnectorError `promise` rejects with (fails the test when it resolves, or rejects with anything else), to assert on its type and message. */
export async function connectorErrorFrom(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected the call to fail with a ConnectorError").toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}
