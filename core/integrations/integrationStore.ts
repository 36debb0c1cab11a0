import type { Collection, FindOptions } from "mongodb";
import type { Store } from "../store/store.js";
import type { TenantCollection, TenantFilter } from "../store/tenantCollection.js";
import { LinkStateStore, withState } from "./linkStates.js";
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
  /** The link documents as stored; read links through `findLink`/`findLinks` to see their sync state. */
  readonly links: TenantCollection<KrLink>;
  readonly states: LinkStateStore;
  readonly blocks: Collection<SyncBlock>;

  constructor(readonly store: Store) {
    this.settings = store.tenantCollection<OrgIntegrations>("orgIntegrations");
    this.connections = store.tenantCollection<Connection>("connections");
    this.links = store.tenantCollection<KrLink>("krLinks");
    this.states = new LinkStateStore(store);
    this.blocks = store.collection<SyncBlock>("syncBlocks");
  }

  /** One link with its sync state (see linkStates.ts). */
  async findLink(tenantId: string, filter: TenantFilter<KrLink>): Promise<KrLink | null> {
    const link = await this.links.findOne(tenantId, filter);
    return link && withState(link, await this.states.get(tenantId, link._id));
  }

  /** Links with their sync state. Filter on the link's own fields only (status and schedule live in the state). */
  async findLinks(tenantId: string, filter: TenantFilter<KrLink> = {}, options: FindOptions = {}): Promise<KrLink[]> {
    const links = await this.links.find(tenantId, filter, options);
    const states = await this.states.many(tenantId, links.map((l) => l._id));
    return links.map((l) => withState(l, states.get(l._id)));
  }
}
