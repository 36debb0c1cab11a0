import type { Store } from "../../store/store.js";
import type { TenantCollection } from "../../store/tenantCollection.js";
import type { Activity, CheckIn, KeyResult, Objective, Period, Project, Team } from "../model.js";

/**
 * The OKR collections, each a TenantCollection (every call takes the tenant id). Services hold
 * the rules; this only names the collections in one place.
 */
export class OkrStore {
  readonly teams: TenantCollection<Team>;
  readonly periods: TenantCollection<Period>;
  readonly objectives: TenantCollection<Objective>;
  readonly keyResults: TenantCollection<KeyResult>;
  readonly checkIns: TenantCollection<CheckIn>;
  readonly projects: TenantCollection<Project>;
  readonly activity: TenantCollection<Activity>;

  constructor(store: Store) {
    this.teams = store.tenantCollection<Team>("teams");
    this.periods = store.tenantCollection<Period>("periods");
    this.objectives = store.tenantCollection<Objective>("objectives");
    this.keyResults = store.tenantCollection<KeyResult>("keyResults");
    this.checkIns = store.tenantCollection<CheckIn>("checkIns");
    this.projects = store.tenantCollection<Project>("projects");
    this.activity = store.tenantCollection<Activity>("activity");
  }
}

/** Inserts, or does nothing when a document with that id exists (idempotent writes, retries). */
export async function insertIfAbsent<T extends { _id: string }>(insert: () => Promise<T>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 11000) return false;
    throw error;
  }
}
