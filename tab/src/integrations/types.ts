import type { z } from "zod";
import type * as s from "../../../core/integrations/schemas.js";

/** The integrations API's shapes, from the server's own zod schemas (type-only). */
export type Catalogue = z.output<typeof s.catalogueView>;
export type Integration = z.output<typeof s.integrationView>;
export type Connection = z.output<typeof s.connectionView>;
export type Link = z.output<typeof s.linkView>;
export type LinkListItem = z.output<typeof s.linkListView>["items"][number];
export type TestResult = z.output<typeof s.testView>;
export type ValuePreview = z.output<typeof s.valueView>;
export type RefreshResult = z.output<typeof s.refreshView>;
export type ProjectPreview = z.output<typeof s.projectPreviewView>;
/** `count`: the connector may say how many items a resource matches (Azure DevOps queries). */
export type Resource = z.output<typeof s.resourceView>["items"][number] & { count?: number };

/** The part of JSON Schema (draft 2020-12) that `z.toJSONSchema` writes for the connectors' flat objects. */
export interface JsonSchemaProperty {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
}

export interface ObjectSchema {
  properties?: Record<string, JsonSchemaProperty>;
  required?: string[];
}

export const asObjectSchema = (schema: Record<string, unknown> | undefined): ObjectSchema => (schema ?? {}) as ObjectSchema;

export const hasFields = (schema: Record<string, unknown> | undefined) => Object.keys(asObjectSchema(schema).properties ?? {}).length > 0;
