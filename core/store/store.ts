import { MongoClient, type Collection, type Db, type Document } from "mongodb";
import { collectionSpecs, ensureSchema } from "./collections.js";
import { TenantCollection, type TenantDocument, type VersionClaim } from "./tenantCollection.js";
import { isStoreUnreachable, unreachableReason } from "./unreachable.js";

export interface StoreOptions {
  uri: string;
  dbName: string;
  /** How long an operation waits for a reachable server before failing (→ 503). */
  timeoutMs?: number;
  /**
   * Send this process's writes one at a time over a single connection. Needed on FerretDB v1,
   * which applies an update by reading the document, changing it in its own process and writing
   * it back: concurrent updates of one document lose each other's changes there (measured: 130 of
   * 160 concurrent $inc lost with a pool of 20, none over one connection). `auto` (the default)
   * turns it on when the server says it is FerretDB.
   */
  serializeWrites?: boolean | "auto";
}

const WRITE_METHODS = new Set([
  "insertOne",
  "insertMany",
  "updateOne",
  "updateMany",
  "replaceOne",
  "deleteOne",
  "deleteMany",
  "findOneAndUpdate",
  "findOneAndReplace",
  "findOneAndDelete",
  "bulkWrite",
]);

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * The MongoDB connection. Repositories take collections from here; nothing else in Pacer talks
 * to the driver. Only features FerretDB v1 supports are used (no transactions, change streams,
 * TTL indexes or $lookup), so any MongoDB-compatible server works.
 */
export class Store {
  private schemaReady = false;
  private serializeWrites: boolean;
  /** FerretDB (from `buildInfo`): only `{ _id }` filters are answered without decoding the whole collection. */
  private ferretDb = false;
  private readonly writer: MongoClient;
  private readonly writerDb: Db;

  private constructor(
    readonly client: MongoClient,
    readonly db: Db,
    private readonly timeoutMs: number,
    private readonly serializeMode: boolean | "auto",
    options: StoreOptions,
  ) {
    this.serializeWrites = serializeMode === true;
    // Connects only when first used, i.e. only when writes are serialized.
    this.writer = new MongoClient(options.uri, { ...clientOptions(timeoutMs), maxPoolSize: 1, minPoolSize: 0 });
    this.writerDb = this.writer.db(options.dbName);
  }

  /** Creates the client without waiting for the server: Pacer starts even while the store is down. */
  static open(options: StoreOptions): Store {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const client = new MongoClient(options.uri, clientOptions(timeoutMs));
    return new Store(client, client.db(options.dbName), timeoutMs, options.serializeWrites ?? "auto", options);
  }

  /**
   * A collection whose reads use the pooled client and whose writes, when serialized, go through
   * the single-connection writer. Every repository gets its collections here, so none can bypass it.
   */
  collection<T extends Document>(name: string): Collection<T> {
    const reader = this.db.collection<T>(name);
    const writer = this.writerDb.collection<T>(name);
    return new Proxy(reader, {
      get: (target, property) => {
        const source = this.serializeWrites && typeof property === "string" && WRITE_METHODS.has(property) ? writer : target;
        const value: unknown = Reflect.get(source, property, source);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(source) : value;
      },
    });
  }

  tenantCollection<T extends TenantDocument>(name: string): TenantCollection<T> {
    const spec = collectionSpecs.find((s) => s.name === name);
    if (!spec?.tenantScoped) throw new Error(`${name} is not a tenant-scoped collection`);
    return new TenantCollection<T>(this.collection<T>(name), this.collection<VersionClaim>("versionClaims"), () => this.ferretDb);
  }

  private preparing: Promise<void> | undefined;

  /**
   * Creates collections and indexes, retrying while the server is unreachable. Concurrent calls
   * share one run: FerretDB v1 drops the connection when the same indexes are created twice at once.
   */
  prepare(options: { signal?: AbortSignal; onRetry?: (reason: string) => void } = {}): Promise<void> {
    this.preparing ??= this.runPrepare(options).catch((error: unknown) => {
      this.preparing = undefined;
      throw error;
    });
    return this.preparing;
  }

  private async runPrepare(options: { signal?: AbortSignal; onRetry?: (reason: string) => void }): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const info = await this.db.admin().command({ buildInfo: 1 });
        this.ferretDb = typeof info.ferretdbVersion === "string";
        if (this.serializeMode === "auto") this.serializeWrites = this.ferretDb;
        await ensureSchema(this.db);
        this.schemaReady = true;
        return;
      } catch (error) {
        if (!isStoreUnreachable(error) || options.signal?.aborted) throw error;
        options.onRetry?.(unreachableReason(error));
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
      }
    }
  }

  async readiness(): Promise<Readiness> {
    try {
      await this.db.command({ ping: 1 }, { timeoutMS: this.timeoutMs });
    } catch (error) {
      return { ready: false, reason: isStoreUnreachable(error) ? unreachableReason(error) : `ping failed: ${(error as Error).message}` };
    }
    return this.schemaReady ? { ready: true } : { ready: false, reason: "collections and indexes are not created yet" };
  }

  /** True when this process sends its writes one at a time (FerretDB). */
  get writesSerialized(): boolean {
    return this.serializeWrites;
  }

  async close(): Promise<void> {
    await Promise.all([this.client.close(), this.writer.close()]);
  }
}

function clientOptions(timeoutMs: number) {
  return { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, appName: "pacer" };
}
