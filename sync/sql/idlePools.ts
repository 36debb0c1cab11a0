import { createHash } from "node:crypto";

/**
 * One driver pool per connection, opened on first use and closed after it has been idle for a
 * while, so a connection used once an hour does not hold database sessions for the hour between.
 * Pools are keyed by a hash of everything that opens them (config and secrets), so editing a
 * connection opens a new pool and the old one closes once idle.
 */
interface Entry<P> {
  pool: Promise<P>;
  inUse: number;
  timer: NodeJS.Timeout | undefined;
}

const everyCache = new Set<IdlePools<unknown>>();

export class IdlePools<P> {
  private readonly entries = new Map<string, Entry<P>>();

  constructor(
    private readonly closePool: (pool: P) => Promise<void>,
    private readonly idleMs = 5 * 60_000,
  ) {
    everyCache.add(this as IdlePools<unknown>);
  }

  /** Runs `fn` with the pool for `key`, opening it with `open` when there is none. */
  async use<T>(key: string, open: () => P | Promise<P>, fn: (pool: P) => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { pool: Promise.resolve().then(open), inUse: 0, timer: undefined };
      this.entries.set(key, entry);
      // A pool that failed to open is forgotten, so the next call tries again.
      entry.pool.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    }
    clearTimeout(entry.timer);
    entry.inUse += 1;
    try {
      return await fn(await entry.pool);
    } finally {
      entry.inUse -= 1;
      if (entry.inUse === 0 && this.entries.get(key) === entry) {
        entry.timer = setTimeout(() => void this.close(key, entry!), this.idleMs);
        entry.timer.unref();
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries].map(([key, entry]) => this.close(key, entry)));
  }

  private async close(key: string, entry: Entry<P>): Promise<void> {
    if (this.entries.get(key) !== entry || entry.inUse > 0) return;
    this.entries.delete(key);
    clearTimeout(entry.timer);
    await entry.pool.then(this.closePool, () => undefined).catch(() => undefined);
  }
}

/** A pool key: a hash, so secrets never sit in a map key that could be logged. */
export function poolKey(...parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url");
}

/** Closes every SQL pool of the process (on shutdown). */
export async function closeAllSqlPools(): Promise<void> {
  await Promise.all([...everyCache].map((cache) => cache.closeAll()));
}
