import type { TenantDocument } from "../store/tenantCollection.js";

/**
 * The OKR domain as stored. Every document is tenant-scoped (see TenantCollection); arrays hold
 * flat sub-documents only (FerretDB v1 refuses arrays nested in arrays), and nothing unbounded
 * grows inside a document: check-in history and the activity feed have their own collections.
 */

export type Origin = "tab" | "teams" | "sync" | "api";
export type OkrStatus = "on_track" | "behind" | "at_risk";
export type OwnerType = "user" | "team";
export type AlignmentType = "objective" | "keyResult";

/** How a key result is measured; chosen at creation, editable later. */
export type Measurement =
  | { kind: "percent" }
  | { kind: "metric"; start: number; target: number; unit: string | null; decimals: number }
  | { kind: "kpi"; threshold: number; direction: "above" | "below"; unit: string | null; decimals: number }
  | { kind: "milestone" };

export type MeasurementKind = Measurement["kind"];

export interface AlignmentRef {
  type: AlignmentType;
  id: string;
}

export interface Team extends TenantDocument {
  name: string;
  description: string;
  ownerIds: string[];
  memberIds: string[];
  parentTeamId: string | null;
}

/** Dates are calendar days (`YYYY-MM-DD`, UTC), both inclusive. */
export interface Period extends TenantDocument {
  /** `2027-Q1` for quarters, `custom:<id>` for custom periods; unique per tenant. */
  key: string;
  kind: "quarter" | "custom";
  name: string;
  startDate: string;
  endDate: string;
}

export interface ClosedRecord {
  score: number;
  note: string;
  closedAt: Date;
  closedBy: string | null;
  /** Each KR's final score, frozen at close. */
  keyResultScores: Array<{ keyResultId: string; score: number }>;
}

export interface Objective extends TenantDocument {
  title: string;
  description: string;
  ownerType: OwnerType;
  ownerId: string;
  periodId: string;
  parents: AlignmentRef[];
  /** `parents[].id`, kept alongside for equality lookups of aligned children. */
  parentIds: string[];
  /** Objective progress also averages the objectives aligned directly to it. */
  rollUpChildren: boolean;
  state: "active" | "closed";
  closed: ClosedRecord | null;
  carriedFromId: string | null;
  createdBy: string | null;
}

export interface CheckInSummary {
  id: string;
  at: Date;
  value: number;
  status: OkrStatus | null;
  authorId: string | null;
  sourceKind: CheckInSource["kind"];
  /** The integration's fingerprint, so the sync engine can skip data it already checked in. */
  sourceFingerprint: string | null;
  late: boolean;
}

export interface KeyResult extends TenantDocument {
  objectiveId: string;
  title: string;
  description: string;
  /** A KR may have its own owner; else the objective's owner is responsible. */
  ownerUserId: string | null;
  measurement: Measurement;
  weight: number;
  /** Set by the latest check-in (null: nothing measured yet). */
  current: number | null;
  lastCheckIn: CheckInSummary | null;
  parents: AlignmentRef[];
  parentIds: string[];
  order: number;
  createdBy: string | null;
}

export type CheckInSource =
  | { kind: "manual" }
  | {
      kind: "integration";
      integrationId: string;
      connectionId: string;
      /** Identifies the fetched data (query hash + result); equal fingerprints mean nothing new. */
      sourceFingerprint: string;
      fetchedAt: Date;
      durationMs: number;
    };

export interface CheckIn extends TenantDocument {
  keyResultId: string;
  objectiveId: string;
  value: number;
  previousValue: number | null;
  status: OkrStatus | null;
  note: string;
  authorId: string | null;
  source: CheckInSource;
  origin: Origin;
  at: Date;
  /** Made after the period ended. */
  late: boolean;
  /** `pending` until the KR carries it: pending check-ins are not history yet (see CheckInService). */
  state: "pending" | "applied";
}

export interface Task {
  id: string;
  title: string;
  done: boolean;
  assigneeId: string | null;
  due: string | null;
  // Set only on tasks a data source fills (a project link); manual tasks have none of them.
  /** The integration that owns the task (e.g. "azuredevops"); sync replaces these tasks, never manual ones. */
  source?: string;
  /** The item's id at the source (a work item id). */
  externalId?: string;
  parentExternalId?: string | null;
  /** 1 (top) to 3. */
  level?: number;
  url?: string | null;
  /** Rolled up from the item's children, 0–100. */
  progress?: number;
}

export const MAX_TASKS_PER_PROJECT = 500;

/** What a project linked to a data source shows besides its synced tasks. */
export interface ProjectSync {
  integrationId: string;
  /** Rolled up from the source's tree (a half-done epic counts half): the project's progress. */
  progress: number;
  /** The source itself (e.g. the Azure DevOps query). */
  sourceUrl: string | null;
  syncedAt: Date;
}

export interface Project extends TenantDocument {
  title: string;
  description: string;
  objectiveId: string;
  keyResultId: string | null;
  ownerUserId: string | null;
  tasks: Task[];
  createdBy: string | null;
  /** Set while a data source fills the project's tasks (absent: progress is the share of done tasks). */
  sync?: ProjectSync | null;
}

export type ActivityKind =
  | "created"
  | "edited"
  | "check_in"
  | "comment"
  | "alignment"
  | "sync"
  | "closed"
  | "reopened"
  | "carried_over"
  | "deleted";

export type SubjectType = "objective" | "keyResult" | "project";

export interface Activity extends TenantDocument {
  kind: ActivityKind;
  subjectType: SubjectType;
  subjectId: string;
  /** The objective the subject belongs to: an objective's feed shows its KRs' and projects' too. */
  objectiveId: string;
  authorId: string | null;
  origin: Origin;
  at: Date;
  /** Comment text, or a one-line summary of the change. */
  text: string;
  /** Replies point to their top-level comment. */
  parentId: string | null;
  /** Small flat facts about the change (changed field names, check-in id, values…). */
  data: Record<string, unknown>;
}
