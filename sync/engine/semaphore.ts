/** A tiny counting semaphore (FIFO). `use` runs `fn` once a slot is free. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error("a semaphore needs at least one slot");
  }

  get busy(): boolean {
    return this.active > 0 || this.waiting.length > 0;
  }

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }

  async use<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/** Semaphores by key (one per connection, one per org), dropped when idle. */
export class KeyedSemaphores {
  private readonly byKey = new Map<string, Semaphore>();
  async use<T>(key: string, limit: number, fn: () => Promise<T>): Promise<T> {
    let semaphore = this.byKey.get(key);
    if (!semaphore) this.byKey.set(key, (semaphore = new Semaphore(limit)));
    try {
      return await semaphore.use(fn);
    } finally {
      if (!semaphore.busy) this.byKey.delete(key);
    }
  }
}
