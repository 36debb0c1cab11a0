import type { z } from "zod";
import type { ObjectiveEvaluation } from "../../../core/okr/evaluation.js";
import type { Activity, CheckIn, KeyResult, Objective, Period, Project, Team } from "../../../core/okr/model.js";
import { projectProgress, roundProgress } from "../../../core/okr/progress.js";
import type * as s from "../../../core/okr/schemas.js";
import type { Page } from "../../../core/store/pagination.js";

/** JSON the API returns for OKR documents: ids renamed, internals (tenantId, parentIds, state of writes) left out. */

const iso = (date: Date) => date.toISOString();

export function keyResultView(kr: KeyResult, evaluation: ObjectiveEvaluation["keyResults"][number]["evaluation"]): z.input<typeof s.keyResultView> {
  return {
    id: kr._id,
    objectiveId: kr.objectiveId,
    title: kr.title,
    description: kr.description,
    ownerUserId: kr.ownerUserId,
    measurement: kr.measurement,
    weight: kr.weight,
    current: kr.current,
    progress: roundProgress(evaluation.progress),
    expectedProgress: roundProgress(evaluation.expected),
    status: evaluation.status,
    statusSetByOwner: evaluation.statusSetByOwner,
    score: evaluation.score,
    lastCheckIn: kr.lastCheckIn
      ? {
          id: kr.lastCheckIn.id,
          at: iso(kr.lastCheckIn.at),
          value: kr.lastCheckIn.value,
          status: kr.lastCheckIn.status,
          authorId: kr.lastCheckIn.authorId,
          source: kr.lastCheckIn.sourceKind,
          late: kr.lastCheckIn.late,
        }
      : null,
    parents: kr.parents,
    order: kr.order,
    version: kr.version,
    createdAt: iso(kr.createdAt),
    updatedAt: iso(kr.updatedAt),
  };
}

export function objectiveView(objective: Objective, evaluation: ObjectiveEvaluation): z.input<typeof s.objectiveView> {
  return {
    id: objective._id,
    title: objective.title,
    description: objective.description,
    owner: { type: objective.ownerType, id: objective.ownerId },
    periodId: objective.periodId,
    parents: objective.parents,
    rollUpChildren: objective.rollUpChildren,
    state: objective.state,
    progress: roundProgress(evaluation.progress),
    expectedProgress: roundProgress(evaluation.expected),
    status: evaluation.status,
    score: evaluation.score,
    closedAt: objective.closed ? iso(objective.closed.closedAt) : null,
    carriedFromId: objective.carriedFromId,
    keyResults: evaluation.keyResults.map(({ keyResult, evaluation: e }) => keyResultView(keyResult, e)),
    version: objective.version,
    createdAt: iso(objective.createdAt),
    updatedAt: iso(objective.updatedAt),
  };
}

export function checkInView(checkIn: CheckIn): z.input<typeof s.checkInView> {
  const source = checkIn.source;
  return {
    id: checkIn._id,
    keyResultId: checkIn.keyResultId,
    value: checkIn.value,
    previousValue: checkIn.previousValue,
    status: checkIn.status,
    note: checkIn.note,
    authorId: checkIn.authorId,
    source:
      source.kind === "manual"
        ? { kind: "manual" }
        : {
            kind: "integration",
            integrationId: source.integrationId,
            connectionId: source.connectionId,
            sourceFingerprint: source.sourceFingerprint,
            fetchedAt: iso(source.fetchedAt),
            durationMs: source.durationMs,
          },
    origin: checkIn.origin,
    at: iso(checkIn.at),
    late: checkIn.late,
  };
}

export const activityView = (entry: Activity): z.input<typeof s.activityView> => ({
  id: entry._id,
  kind: entry.kind,
  subjectType: entry.subjectType,
  subjectId: entry.subjectId,
  objectiveId: entry.objectiveId,
  authorId: entry.authorId,
  origin: entry.origin,
  at: iso(entry.at),
  text: entry.text,
  parentId: entry.parentId,
  data: entry.data,
  version: entry.version,
});

export const projectView = (project: Project): z.input<typeof s.projectView> => ({
  id: project._id,
  title: project.title,
  description: project.description,
  objectiveId: project.objectiveId,
  keyResultId: project.keyResultId,
  ownerUserId: project.ownerUserId,
  progress: roundProgress(project.sync ? project.sync.progress : projectProgress(project.tasks)),
  tasks: project.tasks.map((t) => ({
    id: t.id,
    title: t.title,
    done: t.done,
    assigneeId: t.assigneeId,
    due: t.due,
    ...(t.source ? { source: t.source, externalId: t.externalId, parentExternalId: t.parentExternalId ?? null, level: t.level, url: t.url ?? null, progress: t.progress } : {}),
  })),
  sync: project.sync ? { integrationId: project.sync.integrationId, progress: roundProgress(project.sync.progress), sourceUrl: project.sync.sourceUrl, syncedAt: project.sync.syncedAt.toISOString() } : null,
  version: project.version,
  createdAt: iso(project.createdAt),
  updatedAt: iso(project.updatedAt),
});

export const teamView = (team: Team): z.input<typeof s.teamView> => ({
  id: team._id,
  name: team.name,
  description: team.description,
  ownerIds: team.ownerIds,
  memberIds: team.memberIds,
  parentTeamId: team.parentTeamId,
  version: team.version,
});

export const periodView = (period: Period, current: boolean): z.input<typeof s.periodView> => ({
  id: period._id,
  key: period.key,
  kind: period.kind,
  name: period.name,
  startDate: period.startDate,
  endDate: period.endDate,
  current,
  version: period.version,
});

export const pageView = <T, V>(page: Page<T>, view: (item: T) => V) => ({ items: page.items.map(view), nextCursor: page.nextCursor });
