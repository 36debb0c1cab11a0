import { createHash } from "node:crypto";

export const MIN_INTERVAL_MINUTES = 5;
export const MAX_INTERVAL_MINUTES = 24 * 60;

/** A stable offset in [0, intervalMs) from the link id: links spread evenly across the interval. */
export function slotOffset(linkId: string, intervalMs: number): number {
  const n = createHash("sha256").update(linkId).digest().readUInt32BE(0);
  return Math.floor((n / 2 ** 32) * intervalMs);
}

/** The link's first slot strictly after `after`: offset + k·interval. */
export function nextSlot(linkId: string, intervalMs: number, after: Date): Date {
  const offset = slotOffset(linkId, intervalMs);
  const t = after.getTime();
  const k = Math.floor((t - offset) / intervalMs) + 1;
  return new Date(k * intervalMs + offset);
}

/** Key order does not matter: `{a,b}` and `{b,a}` are the same source. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Links with equal keys read the same data: the engine fetches them once per run. */
export function sourceKey(connectionId: string, source: unknown): string {
  return createHash("sha256").update(`${connectionId}\n${canonicalJson(source)}`).digest("hex").slice(0, 32);
}
