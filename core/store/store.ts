import { MongoClient, type Collection, type Db, type Document } from "mongodb";
import { collectionSpecs, ensureSchema } from "./collections.js";
import { TenantCollection, type TenantDocument, type VersionClaim } from "./tenantCollection.js";
import { isStoreUnreachable, unreachableReason } from "./unreachable.js";

export interface StoreOptions {
  uri: string;
  dbName: string;
  /** How long an operation waits for a reachable server before failing (→ 503). */
  timeoutMs?: number;
}

export type Readiness = { ready: true } | { ready: false; reason: string };

/**
 * The MongoDB connection. Repositories take collections from here; nothing else in Pacer talks
 * to the driver. Only features FerretDB v1 supports are used (no transactions, change streams,
 * TTL indexes or $lookup), so any MongoDB-compatible server works.
 */
export class Store {
  private schemaReady = false;

  private constructor(
    readonly client: MongoClient,
    readonly db: Db,
    private readonly timeoutMs: number,
  ) {}

  /** Creates the client without waiting for the server: Pacer starts even while the store is down. */
  static open(options: StoreOptions): Store {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const client = new MongoClient(options.uri, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      appName: "pacer",
    });
    return new Store(client, client.db(options.dbName), timeoutMs);
  }

  collection<T extends Document>(name: string): Collection<T> {
    return this.db.collection<T>(name);
  }

  tenantCollection<T extends TenantDocument>(name: string): TenantCollection<T> {
    const spec = collectionSpecs.find((s) => s.name === name);
    if (!spec?.tenantScoped) throw new Error(`${name} is not a tenant-scoped collection`);
    return new TenantCollection<T>(this.db.collection<T>(name), this.db.collection<VersionClaim>("versionClaims"));
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

  async close(): Promise<void> {
    await this.client.close();
  }
}
