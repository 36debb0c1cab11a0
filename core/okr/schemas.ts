import { z } from "zod";

export { z };
import { MAX_TASKS_PER_PROJECT } from "./model.js";
import { isIsoDay } from "./periods.js";

/**
 * The API's zod schemas: request bodies and queries (parsed by the routes) and the shapes of
 * responses (which views conform to). `/api/v1/openapi.json` is generated from these.
 */

export const id = z.guid({ message: "must be an id (GUID)" });
const title = z.string().trim().min(1, "must not be empty").max(300);
const description = z.string().trim().max(5000);
const isoDay = z.string().refine(isIsoDay, "must be a date YYYY-MM-DD");
const finite = z.number({ message: "must be a number" });
const unit = z.string().trim().max(20).nullable();
const decimals = z.number().int().min(0).max(6);
/** Optimistic concurrency: the version you read (or send `If-Match`). */
export const version = z.number().int().min(1).describe("the version you read; a stale one gets 409 conflict (or send If-Match)");

export const statusSchema = z.enum(["on_track", "behind", "at_risk"]);
export const originSchema = z.enum(["tab", "teams", "sync", "api"]);

export const measurementSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("percent") }).strict(),
    z
      .object({ kind: z.literal("metric"), start: finite, target: finite, unit: unit.default(null), decimals: decimals.default(0) })
      .strict(),
    z
      .object({
        kind: z.literal("kpi"),
        threshold: finite,
        direction: z.enum(["above", "below"]),
        unit: unit.default(null),
        decimals: decimals.default(0),
      })
      .strict(),
    z.object({ kind: z.literal("milestone") }).strict(),
  ])
  .superRefine((m, ctx) => {
    if (m.kind === "metric" && m.start === m.target) ctx.addIssue({ code: "custom", path: ["target"], message: "must differ from start" });
  });

export const ownerSchema = z.object({ type: z.enum(["user", "team"]), id }).strict();
export const alignmentRefSchema = z.object({ type: z.enum(["objective", "keyResult"]), id }).strict();
const parents = z.array(alignmentRefSchema).max(20);
const weight = z.number().positive("must be above 0").max(1000);

const keyResultFields = {
  title,
  description: description.default(""),
  ownerUserId: id.nullable().default(null),
  measurement: measurementSchema,
  weight: weight.default(1),
  parents: parents.default([]),
};

export const keyResultInline = z.object(keyResultFields).strict();

export const objectiveCreate = z
  .object({
    title,
    description: description.default(""),
    owner: ownerSchema.optional().describe("defaults to the caller"),
    periodId: id,
    parents: parents.default([]),
    rollUpChildren: z.boolean().default(false),
    keyResults: z.array(keyResultInline).max(50).default([]),
  })
  .strict();

export const objectiveUpdate = z
  .object({
    version: version.optional(),
    title: title.optional(),
    description: description.optional(),
    owner: ownerSchema.optional(),
    periodId: id.optional(),
    parents: parents.optional(),
    rollUpChildren: z.boolean().optional(),
  })
  .strict();

export const keyResultCreate = z.object({ objectiveId: id, ...keyResultFields }).strict();

export const keyResultUpdate = z
  .object({
    version: version.optional(),
    title: title.optional(),
    description: description.optional(),
    ownerUserId: id.nullable().optional(),
    measurement: measurementSchema.optional(),
    weight: weight.optional(),
    parents: parents.optional(),
    order: z.number().int().min(0).max(10_000).optional(),
  })
  .strict();

export const checkInCreate = z
  .object({
    id: id.optional().describe("your id for this check-in: sending it again is a safe retry"),
    value: finite.describe("percent: 0–100; metric/KPI: the measured value; milestone: 1 done, 0 not done"),
    status: statusSchema.nullable().default(null).describe("the owner's assessment; overrides the computed status"),
    note: z.string().trim().max(2000).default(""),
    version: version.optional().describe("the key result's version; optional (check-ins add history, they overwrite nothing)"),
  })
  .strict();

export const commentCreate = z
  .object({ text: z.string().trim().min(1, "must not be empty").max(5000), parentId: id.optional() })
  .strict();
export const commentUpdate = z.object({ text: z.string().trim().min(1, "must not be empty").max(5000), version: version.optional() }).strict();

export const closeObjective = z
  .object({
    score: z.number().min(0).max(1).optional().describe("0.0–1.0; defaults to the weighted mean of the KRs' progress"),
    note: z.string().trim().max(2000).default(""),
    version: version.optional(),
  })
  .strict();
export const reopenObjective = z.object({ version: version.optional() }).strict();

export const carryOver = z
  .object({ periodId: id, keyResultIds: z.array(id).max(50).optional().describe("only these KRs (default: all)") })
  .strict();

export const teamCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: description.default(""),
    ownerIds: z.array(id).max(100).default([]),
    memberIds: z.array(id).max(5000).default([]),
    parentTeamId: id.nullable().default(null),
  })
  .strict();
export const teamUpdate = z
  .object({
    version: version.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    description: description.optional(),
    ownerIds: z.array(id).max(100).optional(),
    memberIds: z.array(id).max(5000).optional(),
    parentTeamId: id.nullable().optional(),
  })
  .strict();

export const periodCreate = z.union([
  z.object({ quarter: z.string().regex(/^\d{4}-Q[1-4]$/, "must look like 2027-Q1") }).strict(),
  z
    .object({ name: z.string().trim().min(1).max(100), startDate: isoDay, endDate: isoDay })
    .strict()
    .refine((p) => p.endDate >= p.startDate, { path: ["endDate"], message: "must not be before startDate" }),
]);
export const periodUpdate = z
  .object({ version: version.optional(), name: z.string().trim().min(1).max(100).optional(), startDate: isoDay.optional(), endDate: isoDay.optional() })
  .strict();

export const taskCreate = z
  .object({
    title,
    done: z.boolean().default(false),
    assigneeId: id.nullable().default(null),
    due: isoDay.nullable().default(null),
  })
  .strict();
export const taskUpdate = z
  .object({
    version: version.optional().describe("the project's version"),
    title: title.optional(),
    done: z.boolean().optional(),
    assigneeId: id.nullable().optional(),
    due: isoDay.nullable().optional(),
  })
  .strict();

export const projectCreate = z
  .object({
    title,
    description: description.default(""),
    objectiveId: id.optional().describe("the objective, or give keyResultId"),
    keyResultId: id.nullable().default(null),
    ownerUserId: id.nullable().default(null),
    tasks: z.array(taskCreate).max(MAX_TASKS_PER_PROJECT).default([]),
  })
  .strict()
  .refine((p) => p.objectiveId !== undefined || p.keyResultId !== null, { path: ["objectiveId"], message: "objectiveId or keyResultId is required" });
export const projectUpdate = z
  .object({
    version: version.optional(),
    title: title.optional(),
    description: description.optional(),
    ownerUserId: id.nullable().optional(),
    keyResultId: id.nullable().optional(),
  })
  .strict();

export const organizationUpdate = z.object({ name: z.string().trim().min(1).max(200), version: version.optional() }).strict();
export const roleUpdate = z.object({ orgRole: z.enum(["owner", "admin", "member"]), version: version.optional() }).strict();

const limit = z.coerce.number().int().min(1).max(100).default(25);
const cursor = z.string().max(500).optional().describe("nextCursor of the previous page");
export const pageQuery = z.object({ limit, cursor }).strict();
export const objectiveListQuery = z
  .object({
    limit,
    cursor,
    periodId: id.optional(),
    owner: id.optional().describe("objectives owned by this user"),
    teamId: id.optional().describe("objectives owned by this team"),
    parentId: id.optional().describe("objectives aligned to this objective or KR"),
    state: z.enum(["active", "closed"]).optional(),
    q: z.string().trim().min(1).max(200).optional().describe("text in the title"),
  })
  .strict();
export const keyResultListQuery = z
  .object({ limit, cursor, objectiveId: id.optional(), owner: id.optional(), q: z.string().trim().min(1).max(200).optional() })
  .strict();
export const projectListQuery = z.object({ limit, cursor, objectiveId: id.optional(), keyResultId: id.optional() }).strict();
export const exportQuery = z.object({ periodId: id }).strict();

// ---- responses ------------------------------------------------------------------------------

const timestamps = { createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() };
export const lastCheckInView = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  value: z.number(),
  status: statusSchema.nullable(),
  authorId: z.string().nullable(),
  source: z.enum(["manual", "integration"]),
  late: z.boolean(),
});
export const keyResultView = z.object({
  id: z.string(),
  objectiveId: z.string(),
  title: z.string(),
  description: z.string(),
  ownerUserId: z.string().nullable(),
  measurement: measurementSchema,
  weight: z.number(),
  current: z.number().nullable(),
  progress: z.number().describe("0–100"),
  expectedProgress: z.number().describe("0–100, linear over the period"),
  status: statusSchema,
  statusSetByOwner: z.boolean(),
  score: z.number().nullable().describe("final score when the objective is closed"),
  lastCheckIn: lastCheckInView.nullable(),
  parents: z.array(alignmentRefSchema),
  order: z.number(),
  version: z.number(),
  ...timestamps,
});
export const objectiveView = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  owner: ownerSchema,
  periodId: z.string(),
  parents: z.array(alignmentRefSchema),
  rollUpChildren: z.boolean(),
  state: z.enum(["active", "closed"]),
  progress: z.number(),
  expectedProgress: z.number(),
  status: statusSchema,
  score: z.number().nullable(),
  closedAt: z.iso.datetime().nullable(),
  carriedFromId: z.string().nullable(),
  keyResults: z.array(keyResultView),
  version: z.number(),
  ...timestamps,
});
export const checkInView = z.object({
  id: z.string(),
  keyResultId: z.string(),
  value: z.number(),
  previousValue: z.number().nullable(),
  status: statusSchema.nullable(),
  note: z.string(),
  authorId: z.string().nullable(),
  source: z.object({
    kind: z.enum(["manual", "integration"]),
    integrationId: z.string().optional(),
    connectionId: z.string().optional(),
    sourceFingerprint: z.string().optional(),
    fetchedAt: z.iso.datetime().optional(),
    durationMs: z.number().optional(),
  }),
  origin: originSchema,
  at: z.iso.datetime(),
  late: z.boolean(),
});
export const checkInResult = z.object({ checkIn: checkInView, keyResult: keyResultView });
export const activityView = z.object({
  id: z.string(),
  kind: z.string(),
  subjectType: z.enum(["objective", "keyResult", "project"]),
  subjectId: z.string(),
  objectiveId: z.string(),
  authorId: z.string().nullable(),
  origin: originSchema,
  at: z.iso.datetime(),
  text: z.string(),
  parentId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  version: z.number(),
});
export const taskView = z.object({
  id: z.string(),
  title: z.string(),
  done: z.boolean(),
  assigneeId: z.string().nullable(),
  due: z.string().nullable(),
  source: z.string().optional().describe("the integration that fills this task (absent: a manual task)"),
  externalId: z.string().optional(),
  parentExternalId: z.string().nullable().optional(),
  level: z.number().int().optional(),
  url: z.string().nullable().optional(),
  progress: z.number().optional(),
});
export const projectView = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  objectiveId: z.string(),
  keyResultId: z.string().nullable(),
  ownerUserId: z.string().nullable(),
  progress: z.number(),
  tasks: z.array(taskView),
  sync: z.object({ integrationId: z.string(), progress: z.number(), sourceUrl: z.string().nullable(), syncedAt: z.string() }).nullable().optional(),
  version: z.number(),
  ...timestamps,
});
export const teamView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  ownerIds: z.array(z.string()),
  memberIds: z.array(z.string()),
  parentTeamId: z.string().nullable(),
  version: z.number(),
});
export const periodView = z.object({
  id: z.string(),
  key: z.string(),
  kind: z.enum(["quarter", "custom"]),
  name: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  current: z.boolean(),
  version: z.number(),
});
export const userView = z.object({ id: z.string(), name: z.string(), email: z.string().nullable(), orgRole: z.enum(["owner", "admin", "member"]) });
export const organizationView = z.object({ id: z.string(), tenantId: z.string(), name: z.string(), version: z.number() });
export const errorBody = z.object({ error: z.object({ id: z.string(), message: z.string(), details: z.unknown().optional() }) });
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
