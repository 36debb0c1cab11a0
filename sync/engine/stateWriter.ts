import { bucketKey, type LinkStateStore, type LinkSyncState } from "../../core/integrations/linkStates.js";

/**
 * Collects the states a run produces and writes them bucket by bucket (one update per bucket,
 * see core/integrations/linkStates.ts) while fetching goes on: a bucket is written once `flushAt`
 * states are waiting, and, once `seal`ed (no more links will be expected), when the last link
 * `expect`ed in it is in, after which `onDone(bucket)` runs (the engine releases its claim there).
 * One write at a time; `flush` writes the rest, waits, and reports the first failure.
 */
export class StateWriter {
  private readonly buckets = new Map<string, { tenantId: string; states: Array<[string, LinkSyncState]>; remaining: number }>();
  private chain: Promise<void> = Promise.resolve();
  private sealed = false;
  private failure: unknown;

  constructor(
    private readonly store: LinkStateStore,
    private readonly flushAt: number,
    private readonly onDone: (bucket: string) => Promise<void> = async () => {},
  ) {}

  private bucket(tenantId: string, linkId: string) {
    const key = bucketKey(tenantId, linkId);
    let found = this.buckets.get(key);
    if (!found) this.buckets.set(key, (found = { tenantId, states: [], remaining: 0 }));
    return { key, found };
  }

  /** Links whose states will come: their bucket is written as soon as the last one is in. */
  expect(links: Array<{ _id: string; tenantId: string }>): void {
    for (const link of links) this.bucket(link.tenantId, link._id).found.remaining += 1;
  }

  /** Whether links of this bucket were expected. */
  expects(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /** No more links will be expected: buckets whose links are all in are written now, the others when they are. */
  seal(): void {
    this.sealed = true;
    for (const [key, bucket] of [...this.buckets]) if (bucket.remaining === 0) this.send(key, true);
  }

  /** A link's new state (null: nothing to store, but the link is done). */
  add(tenantId: string, linkId: string, state: LinkSyncState | null): void {
    const { key, found } = this.bucket(tenantId, linkId);
    if (state) found.states.push([linkId, state]);
    if (found.remaining > 0) found.remaining -= 1;
    if (this.sealed && found.remaining === 0) this.send(key, true);
    else if (found.states.length >= this.flushAt) this.send(key, false);
  }

  private send(key: string, done: boolean): void {
    const bucket = this.buckets.get(key)!;
    const states = bucket.states.splice(0);
    if (done) this.buckets.delete(key);
    if (!states.length && !done) return;
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        if (states.length) await this.store.write(bucket.tenantId, states);
        if (done) await this.onDone(key);
      } catch (error) {
        this.failure = error;
      }
    });
  }

  async flush(): Promise<void> {
    for (const key of [...this.buckets.keys()]) this.send(key, true);
    await this.chain;
    if (this.failure) throw this.failure;
  }
}
