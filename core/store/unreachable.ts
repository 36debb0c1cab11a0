import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from "mongodb";

/** True when an error means "the store cannot be reached" (→ 503), as opposed to a bad query or a bug. */
export function isStoreUnreachable(error: unknown): boolean {
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError
  );
}

/** A short reason for /readyz and 503 bodies, without the URI or credentials. */
export function unreachableReason(error: unknown): string {
  if (error instanceof MongoServerSelectionError) return "no MongoDB server answered in time";
  if (error instanceof MongoNetworkError) return "the connection to MongoDB was lost";
  if (error instanceof MongoTopologyClosedError || error instanceof MongoNotConnectedError) return "the store is closed";
  return (error as Error)?.message ?? String(error);
}
