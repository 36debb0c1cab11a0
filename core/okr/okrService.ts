import { EventBus } from "../events.js";
import type { Store } from "../store/store.js";
import { OrganizationRepository } from "../store/repositories/organizations.js";
import { UserRepository } from "../store/repositories/users.js";
import { OkrStore } from "./repositories/okrStore.js";
import { ActivityService } from "./services/activityService.js";
import { CheckInService } from "./services/checkInService.js";
import type { OkrDeps } from "./services/context.js";
import { ExportService } from "./services/exportService.js";
import { ObjectiveService } from "./services/objectiveService.js";
import { OrganizationService } from "./services/organizationService.js";
import { PeriodService } from "./services/periodService.js";
import { ProjectService } from "./services/projectService.js";
import { TeamService } from "./services/teamService.js";

/**
 * The OKR service layer: what every surface (REST, bot, sync, Power BI feed) calls. Each method
 * takes an `Actor` (tenant, user or system, origin) and enforces the permission rules.
 *
 * For the sync engine and the bot:
 *   okr.checkIns.checkIn(systemActor(tenantId), keyResultId, { id, value, source: { kind: "integration", … } })
 *   okr.events.subscribe("keyResult.checkedIn", (event) => …)
 */
export interface OkrServices {
  events: EventBus;
  store: OkrStore;
  objectives: ObjectiveService;
  checkIns: CheckInService;
  projects: ProjectService;
  activity: ActivityService;
  teams: TeamService;
  periods: PeriodService;
  organization: OrganizationService;
  export: ExportService;
}

export function createOkrServices(store: Store, options: { events?: EventBus; now?: () => Date } = {}): OkrServices {
  const deps: OkrDeps = {
    okr: new OkrStore(store),
    users: new UserRepository(store),
    orgs: new OrganizationRepository(store),
    events: options.events ?? new EventBus(),
    ...(options.now ? { now: options.now } : {}),
  };
  return {
    events: deps.events,
    store: deps.okr,
    objectives: new ObjectiveService(deps),
    checkIns: new CheckInService(deps),
    projects: new ProjectService(deps),
    activity: new ActivityService(deps),
    teams: new TeamService(deps),
    periods: new PeriodService(deps),
    organization: new OrganizationService(deps),
    export: new ExportService(deps),
  };
}
