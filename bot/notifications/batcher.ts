/**
 * Debounced batches per key: items added under one key within `windowMs` of each other are
 * flushed together, once no new item came for `windowMs` (and at the latest `maxWaitMs` after the
 * first). The bot keys by conversation, so the per-KR check-in events of one sync run become one
 * card per conversation. Batches live in memory: what waits when the process stops is dropped (and logged by the bot).
 */
export interface BatcherOptions<T> {
  windowMs: number;
  maxWaitMs?: number;
  flush: (key: string, items: T[]) => Promise<void>;
  onError?: (error: unknown, key: string) => void;
  now?: () => number;
}

interface Pending<T> {
  items: T[];
  firstAt: number;
  timer: NodeJS.Timeout | undefined;
  done: Promise<void>;
  resolve: () => void;
}

export class DebouncedBatches<T> {
  private readonly pending = new Map<string, Pending<T>>();
  private readonly flushing = new Set<Promise<void>>();
  private readonly maxWaitMs: number;
  private readonly now: () => number;

  constructor(private readonly options: BatcherOptions<T>) {
    this.maxWaitMs = options.maxWaitMs ?? Math.max(options.windowMs * 15, options.windowMs);
    this.now = options.now ?? Date.now;
  }

  add(key: string, item: T): void {
    let batch = this.pending.get(key);
    if (!batch) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      batch = { items: [], firstAt: this.now(), timer: undefined, done, resolve };
      this.pending.set(key, batch);
    }
    batch.items.push(item);
    clearTimeout(batch.timer);
    const delay = Math.max(0, Math.min(this.options.windowMs, batch.firstAt + this.maxWaitMs - this.now()));
    batch.timer = setTimeout(() => this.flush(key), delay);
    batch.timer.unref?.();
  }

  /** Keys with items waiting for their window to end. */
  get size(): number {
    return this.pending.size;
  }

  /** Resolves when every batch added so far has been flushed (windows end on their own). */
  async idle(): Promise<void> {
    while (this.pending.size > 0 || this.flushing.size > 0) {
      await Promise.all([...[...this.pending.values()].map((b) => b.done), ...this.flushing]);
    }
  }

  /** Flushes everything now. */
  async flushAll(): Promise<void> {
    for (const key of [...this.pending.keys()]) this.flush(key);
    await this.idle();
  }

  /** Drops what waits (shutdown, when the store is closing); returns how many items were dropped. */
  discard(): number {
    let dropped = 0;
    for (const batch of this.pending.values()) {
      clearTimeout(batch.timer);
      dropped += batch.items.length;
      batch.resolve();
    }
    this.pending.clear();
    return dropped;
  }

  private flush(key: string): void {
    const batch = this.pending.get(key);
    if (!batch) return;
    clearTimeout(batch.timer);
    this.pending.delete(key);
    const run = this.options
      .flush(key, batch.items)
      .catch((error: unknown) => this.options.onError?.(error, key))
      .finally(() => {
        this.flushing.delete(run);
        batch.resolve();
      });
    this.flushing.add(run);
  }
}
