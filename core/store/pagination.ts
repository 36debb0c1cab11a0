import { badRequest } from "../errors/appError.js";
import type { TenantCollection, TenantDocument, TenantFilter } from "./tenantCollection.js";

export interface Page<T> {
  items: T[];
  /** Opaque; pass it as `cursor` for the next page. null on the last page. */
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

interface CursorState {
  c: number;
  i: string;
}

function decodeCursor(cursor: string): CursorState {
  try {
    const state = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<CursorState>;
    if (typeof state.c === "number" && Number.isFinite(state.c) && typeof state.i === "string") return { c: state.c, i: state.i };
  } catch {
    // fall through
  }
  throw badRequest("The cursor is invalid.", [{ path: "cursor", message: "is not a cursor this API returned" }]);
}

const encodeCursor = (doc: TenantDocument): string =>
  Buffer.from(JSON.stringify({ c: doc.createdAt.getTime(), i: doc._id } satisfies CursorState)).toString("base64url");

/**
 * Keyset pagination by (createdAt, _id), oldest first or newest first: stable under inserts, and
 * the cursor is opaque to clients. Reads one extra document to know whether a next page exists.
 */
export async function paginate<T extends TenantDocument>(
  collection: TenantCollection<T>,
  tenantId: string,
  filter: TenantFilter<T>,
  request: PageRequest,
  direction: 1 | -1 = 1,
): Promise<Page<T>> {
  let scoped = filter;
  if (request.cursor) {
    const { c, i } = decodeCursor(request.cursor);
    const at = new Date(c);
    const beyond = direction === 1 ? "$gt" : "$lt";
    scoped = { $and: [filter, { $or: [{ createdAt: { [beyond]: at } }, { createdAt: at, _id: { [beyond]: i } }] }] } as TenantFilter<T>;
  }
  const docs = await collection.find(tenantId, scoped, { sort: { createdAt: direction, _id: direction }, limit: request.limit + 1 });
  const items = docs.slice(0, request.limit);
  const last = items.at(-1);
  return { items, nextCursor: docs.length > request.limit && last ? encodeCursor(last) : null };
}
