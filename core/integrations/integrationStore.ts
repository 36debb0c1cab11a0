import type { Collection } from "mongodb";
import type { Store } from "../store/store.js";
import type { TenantCollection } from "../store/tenantCollection.js";
import type { Connection, KrLink, OrgIntegrations } from "./model.js";

/** "Leave this connection alone until": shared by every process after a 429 (no tenant data). */
export interface SyncBlock {
  _id: string;
  until: Date;
  reason: string;
}

/** The integration collections in one place (see collections.ts for their indexes). */
export class IntegrationStore {
  readonly settings: TenantCollection<OrgIntegrations>;
  readonly connections: TenantCollection<Connection>;
  readonly links: TenantCollection<KrLink>;
  readonly blocks: Collection<SyncBlock>;

  constructor(readonly store: Store) {
    this.settings = store.tenantCollection<OrgIntegrations>("orgIntegrations");
    this.connections = store.tenantCollection<Connection>("connections");
    this.links = store.tenantCollection<KrLink>("krLinks");
    this.blocks = store.collection<SyncBlock>("syncBlocks");
  }
}
