import { z } from "zod";
import type { TenantDocument } from "../store/tenantCollection.js";

/** Entity sets of the feed. (A sync-health set joins them once key results have integration links.) */
export const FEED_ENTITY_SETS = ["Objectives", "KeyResults", "CheckIns"] as const;
export type FeedEntitySet = (typeof FEED_ENTITY_SETS)[number];

/**
 * Attributes of the people (or team) an OKR belongs to: Team is the owner team (team-owned OKRs)
 * or the responsible person's first team by name; Department, Manager and Location come from the
 * person's profile, which org admins set (`PATCH /api/v1/powerbi/people/{id}`).
 */
export const FEED_ATTRIBUTES = ["Team", "Department", "Manager", "Location"] as const;
export type FeedAttribute = (typeof FEED_ATTRIBUTES)[number];

export type SchemaType = "pivoted" | "unpivoted";
export type Granularity = "aggregated" | "rowLevel";

/** The name of the URL parameter that carries the API key (Power BI's `ApiKeyName` option). */
export const API_KEY_PARAMETER = "ApiKey";
export const DEFAULT_MINIMUM_GROUP_SIZE = 5;

/** A saved feed query: what one Power BI connection reads. Org admins manage them. */
export interface FeedQuery extends TenantDocument {
  name: string;
  entitySets: FeedEntitySet[];
  /** Empty: every period. */
  periodIds: string[];
  /** Empty: every team. Otherwise OKRs owned by these teams or by their people. */
  teamIds: string[];
  attributes: FeedAttribute[];
  schemaType: SchemaType;
  granularity: Granularity;
  createdBy: string;
}

/** A per-user API key for the feed; only its SHA-256 hash is stored. */
export interface ApiKey extends TenantDocument {
  userId: string;
  name: string;
  /** The key's first characters, to recognise it in the list. */
  prefix: string;
  keyHash: string;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const id = z.guid({ message: "must be an id (GUID)" });
const name = z.string().trim().min(1, "must not be empty").max(200);

const queryFields = {
  name,
  entitySets: z.array(z.enum(FEED_ENTITY_SETS)).min(1, "pick at least one entity set").max(FEED_ENTITY_SETS.length),
  periodIds: z.array(id).max(50),
  teamIds: z.array(id).max(200),
  attributes: z.array(z.enum(FEED_ATTRIBUTES)).max(FEED_ATTRIBUTES.length),
  schemaType: z.enum(["pivoted", "unpivoted"]),
  granularity: z.enum(["aggregated", "rowLevel"]),
};

const noDuplicates = (value: { entitySets?: string[]; attributes?: string[] }, ctx: z.RefinementCtx) => {
  for (const key of ["entitySets", "attributes"] as const) {
    const list = value[key];
    if (list && new Set(list).size !== list.length) ctx.addIssue({ code: "custom", path: [key], message: "must not repeat an entry" });
  }
};

const unpivotedNeedsAttributes = (value: { schemaType?: SchemaType; attributes?: string[] }, ctx: z.RefinementCtx) => {
  if (value.schemaType === "unpivoted" && value.attributes?.length === 0) {
    ctx.addIssue({ code: "custom", path: ["attributes"], message: "an unpivoted query needs at least one attribute" });
  }
};

export const feedQueryCreate = z
  .object({
    ...queryFields,
    entitySets: queryFields.entitySets.default([...FEED_ENTITY_SETS]),
    periodIds: queryFields.periodIds.default([]),
    teamIds: queryFields.teamIds.default([]),
    attributes: queryFields.attributes.default(["Team"]),
    schemaType: queryFields.schemaType.default("pivoted"),
    granularity: queryFields.granularity.default("aggregated"),
  })
  .strict()
  .superRefine(noDuplicates)
  .superRefine(unpivotedNeedsAttributes);

export const feedQueryUpdate = z
  .object({
    name: queryFields.name.optional(),
    entitySets: queryFields.entitySets.optional(),
    periodIds: queryFields.periodIds.optional(),
    teamIds: queryFields.teamIds.optional(),
    attributes: queryFields.attributes.optional(),
    schemaType: queryFields.schemaType.optional(),
    granularity: queryFields.granularity.optional(),
    version: z.number().int().min(1).optional(),
  })
  .strict()
  .superRefine(noDuplicates);

export const apiKeyCreate = z.object({ name: name.default("Power BI") }).strict();

export const feedSettingsUpdate = z
  .object({ minimumGroupSize: z.number().int().min(1, "must be at least 1").max(1000), version: z.number().int().min(1).optional() })
  .strict();

const attributeValue = z.string().trim().max(200).nullable().optional();
export const personAttributesUpdate = z
  .object({ department: attributeValue, managerName: attributeValue, location: attributeValue })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), "set at least one of department, managerName, location");

export type FeedQueryCreate = z.output<typeof feedQueryCreate>;
export type FeedQueryUpdate = z.output<typeof feedQueryUpdate>;
