import type { Filter } from "mongodb";
import { evaluateKeyResult } from "../okr/evaluation.js";
import type { CheckIn, KeyResult, Objective, Period, Team } from "../okr/model.js";
import { roundProgress } from "../okr/progress.js";
import { OkrContext } from "../okr/services/context.js";
import { statusLabel } from "../okr/status.js";
import type { User } from "../store/repositories/users.js";
import type { TenantFilter } from "../store/tenantCollection.js";
import type { Fact } from "./aggregate.js";
import type { FeedAttribute, FeedEntitySet, FeedQuery } from "./model.js";

type Attributes = Record<FeedAttribute, string | null>;
type Subject = { attributes: Attributes; people: string[]; teamIds: string[] };

/**
 * Reads a saved query's OKR data from the store and turns it into facts, with progress and status
 * computed by the OKR rules (core/okr/evaluation.ts) like every other surface. `pushed` is the part
 * of `$filter` on stored columns (see toStoreFilter); periods are read one equality query each.
 */
export class FeedSource extends OkrContext {
  async facts(tenantId: string, query: FeedQuery, entitySet: FeedEntitySet, pushed: Record<string, unknown> | null): Promise<Fact[]> {
    const [people, teams, periods] = await Promise.all([
      this.users.users.find(tenantId, {}, { projection: { name: 1, department: 1, managerName: 1, location: 1 } }),
      this.okr.teams.find(tenantId, {}),
      this.okr.periods.find(tenantId, {}),
    ]);
    const directory = new Directory(people, teams);
    const periodById = new Map(periods.filter((p) => query.periodIds.length === 0 || query.periodIds.includes(p._id)).map((p) => [p._id, p]));
    const objectives = await this.objectivesIn(tenantId, [...periodById.keys()], entitySet === "Objectives" ? pushed : null);
    const now = this.now();
    const inScope = (subject: Subject) => query.teamIds.length === 0 || subject.teamIds.some((id) => query.teamIds.includes(id));
    const periodOf = (objective: Objective) => periodById.get(objective.periodId)!;
    const facts: Fact[] = [];

    if (entitySet === "Objectives") {
      const evaluations = await this.evaluate(tenantId, objectives, now);
      for (const objective of objectives) {
        const evaluation = evaluations.get(objective._id);
        const subject = directory.subject(objective, null);
        if (!evaluation || !inScope(subject)) continue;
        const period = periodOf(objective);
        facts.push({
          ...factBase(period, subject),
          progress: evaluation.progress,
          status: evaluation.status,
          keyResultCount: evaluation.keyResults.length,
          row: {
            Id: objective._id,
            Title: objective.title,
            ...periodColumns(period),
            OwnerType: objective.ownerType,
            OwnerName: directory.ownerName(objective),
            State: objective.state,
            Progress: roundProgress(evaluation.progress),
            ExpectedProgress: roundProgress(evaluation.expected),
            Status: statusLabel[evaluation.status],
            Score: evaluation.score,
            KeyResultCount: evaluation.keyResults.length,
            CreatedAt: objective.createdAt,
          },
        });
      }
      return facts;
    }

    const objectiveById = new Map(objectives.map((o) => [o._id, o]));
    if (entitySet === "KeyResults") {
      const keyResults = await this.okr.keyResults.find(tenantId, (pushed ?? {}) as TenantFilter<KeyResult>);
      for (const kr of keyResults) {
        const objective = objectiveById.get(kr.objectiveId);
        if (!objective) continue;
        const subject = directory.subject(objective, kr.ownerUserId);
        if (!inScope(subject)) continue;
        const period = periodOf(objective);
        const evaluation = evaluateKeyResult(kr, period, now, objective);
        facts.push({
          ...factBase(period, subject),
          progress: evaluation.progress,
          status: evaluation.status,
          row: {
            Id: kr._id,
            ObjectiveId: objective._id,
            ObjectiveTitle: objective.title,
            Title: kr.title,
            ...periodColumns(period),
            OwnerName: kr.ownerUserId ? directory.userName(kr.ownerUserId) : directory.ownerName(objective),
            MeasurementKind: kr.measurement.kind,
            Weight: kr.weight,
            CurrentValue: kr.current,
            Progress: roundProgress(evaluation.progress),
            ExpectedProgress: roundProgress(evaluation.expected),
            Status: statusLabel[evaluation.status],
            StatusSetByOwner: evaluation.statusSetByOwner,
            LastCheckInAt: kr.lastCheckIn?.at ?? null,
            CreatedAt: kr.createdAt,
          },
        });
      }
      return facts;
    }

    const checkIns = await this.okr.checkIns.find(tenantId, { state: "applied", ...(pushed ? { $and: [pushed] } : {}) } as TenantFilter<CheckIn>);
    for (const checkIn of checkIns) {
      const objective = objectiveById.get(checkIn.objectiveId);
      if (!objective) continue;
      const subject = directory.subject(objective, checkIn.authorId);
      if (!inScope(subject)) continue;
      const period = periodOf(objective);
      facts.push({
        ...factBase(period, subject),
        late: checkIn.late,
        integration: checkIn.source.kind === "integration",
        row: {
          Id: checkIn._id,
          KeyResultId: checkIn.keyResultId,
          ObjectiveId: checkIn.objectiveId,
          ...periodColumns(period),
          AuthorName: checkIn.authorId ? directory.userName(checkIn.authorId) : null,
          Value: checkIn.value,
          PreviousValue: checkIn.previousValue,
          OwnerStatus: checkIn.status ? statusLabel[checkIn.status] : null,
          Origin: checkIn.origin,
          Source: checkIn.source.kind,
          Late: checkIn.late,
          At: checkIn.at,
        },
      });
    }
    return facts;
  }

  private async objectivesIn(tenantId: string, periodIds: readonly string[], pushed: Record<string, unknown> | null): Promise<Objective[]> {
    // One equality query per period: FerretDB v1 pushes only equality filters down to SQLite.
    const lists = await Promise.all(
      periodIds.map((periodId) =>
        this.okr.objectives.find(tenantId, { periodId, ...(pushed ? { $and: [pushed] } : {}) } as Filter<Objective> as TenantFilter<Objective>),
      ),
    );
    return lists.flat();
  }
}

function factBase(period: Period, subject: Subject): Pick<Fact, "period" | "attributes" | "people"> {
  return {
    period: { id: period._id, name: period.name, startDate: period.startDate, endDate: period.endDate },
    attributes: subject.attributes,
    people: subject.people,
  };
}

const periodColumns = (period: Period) => ({ PeriodId: period._id, Period: period.name, PeriodStart: period.startDate, PeriodEnd: period.endDate });

type Person = Pick<User, "_id" | "name"> & { department?: string | null; managerName?: string | null; location?: string | null };

/** People, teams and their attributes, read once per request. */
class Directory {
  private readonly users: Map<string, Person>;
  private readonly teams: Map<string, Team>;
  private readonly teamsOfUser = new Map<string, Team[]>();

  constructor(users: readonly Person[], teams: readonly Team[]) {
    this.users = new Map(users.map((u) => [u._id, u]));
    this.teams = new Map(teams.map((t) => [t._id, t]));
    for (const team of [...teams].sort((a, b) => a.name.localeCompare(b.name) || a._id.localeCompare(b._id))) {
      for (const userId of new Set([...team.ownerIds, ...team.memberIds])) {
        const list = this.teamsOfUser.get(userId) ?? [];
        list.push(team);
        this.teamsOfUser.set(userId, list);
      }
    }
  }

  userName(id: string): string | null {
    return this.users.get(id)?.name ?? null;
  }

  ownerName(objective: Objective): string | null {
    return objective.ownerType === "user" ? this.userName(objective.ownerId) : (this.teams.get(objective.ownerId)?.name ?? null);
  }

  /**
   * Whom an OKR fact belongs to: `userId` (a KR's own owner, a check-in's author) or else the
   * objective's owner. Team-owned objectives carry their team as Team; people have the
   * attributes of their profile and their first team by name.
   */
  subject(objective: Objective, userId: string | null): Subject {
    const ownerTeam = objective.ownerType === "team" ? this.teams.get(objective.ownerId) : undefined;
    const personId = userId ?? (objective.ownerType === "user" ? objective.ownerId : null);
    if (personId) {
      const person = this.users.get(personId);
      const teams = this.teamsOfUser.get(personId) ?? [];
      return {
        attributes: {
          Team: ownerTeam?.name ?? teams[0]?.name ?? null,
          Department: person?.department ?? null,
          Manager: person?.managerName ?? null,
          Location: person?.location ?? null,
        },
        people: [personId],
        teamIds: [...(ownerTeam ? [ownerTeam._id] : []), ...teams.map((t) => t._id)],
      };
    }
    return {
      attributes: { Team: ownerTeam?.name ?? null, Department: null, Manager: null, Location: null },
      people: ownerTeam ? [...new Set([...ownerTeam.ownerIds, ...ownerTeam.memberIds])] : [],
      teamIds: ownerTeam ? [ownerTeam._id] : [],
    };
  }
}
