import type { Logger } from "../log/logger.js";
import type { z } from "zod";

/**
 * The connector contract. Each connector lives in `sync/connectors/<id>/index.ts` and default-exports
 * one `ConnectorDefinition`; the registry (sync/connectors/registry.ts) finds it by folder name.
 *
 * - Metadata is what the catalogue shows (`GET /api/v1/integrations`).
 * - Three zod schemas validate what people enter: the connection's config (stored in clear), its
 *   secrets (sealed with AES-256-GCM, never returned by any API) and a key result's source.
 * - Functions get a `ConnectorContext` and either return or throw one of the typed errors of
 *   sync/connectors/errors.ts (auth, config, resultShape, rateLimited, transient); anything else
 *   counts as transient. The sync engine decides retries (sync/retryPolicy.ts) from the error and
 *   the definition's `rateLimit` data, so connectors never sleep or retry themselves.
 * - `mode: "push"` connectors (Zapier/webhook) are not fetched: values arrive at
 *   `POST /api/v1/push/<token>`; they implement `testConnection` only.
 */
export type IntegrationType = "data" | "collaboration";
export type IntegrationCategory = "in-boundary-m365" | "cross-boundary-microsoft" | "third-party";

export interface IntegrationMeta {
  /** Folder name; stable, lowercase, used in URLs and stored on connections and links. */
  id: string;
  displayName: string;
  description: string;
  /** An inline SVG (or PNG) data URI. */
  icon: string;
  type: IntegrationType;
  category: IntegrationCategory;
  /** The vendor's terms of use. */
  termsUrl: string;
  docsUrl: string;
  mode: "pull" | "push";
}

/** How hard Pacer may hit one connection; data, read by the engine and the retry policy. */
export interface RateLimitPolicy {
  /** Fetches in flight at once per connection (the org limit applies on top). */
  maxConcurrentPerConnection: number;
  /** Attempts per run for transient errors (1 = no retry). */
  maxAttempts: number;
  /** First retry wait; doubles each attempt, with jitter (half fixed, half random), capped by maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** When a 429 carries no Retry-After, wait this long (all processes honour it). */
  defaultRetryAfterMs: number;
}

export interface ConnectorHttp {
  /** fetch bound to the context's deadline (and an optional shorter per-request timeout). */
  (url: string | URL, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
}

export interface ConnectorContext<Config = unknown, Secrets = unknown> {
  /** Aborted at the deadline of this call; pass it to anything that waits. */
  signal: AbortSignal;
  /** When `signal` aborts (epoch ms), for sources that take a timeout rather than a signal (SQL statement timeouts). */
  deadlineAt: number;
  config: Config;
  secrets: Secrets;
  log: Logger;
  http: ConnectorHttp;
}

export interface FetchedValue {
  value: number;
  /** A short human line shown with the value, e.g. "42 of 120 work items". */
  details: string | null;
  /** When the source says the value was true (else when it was fetched). */
  asOf: Date;
}

export interface ConnectionTestResult {
  /** e.g. "Connected to https://example.com as build-bot". */
  message: string;
}

export interface Resource {
  id: string;
  name: string;
  kind: string;
  /** Source config that selects this resource (to pre-fill the KR source form). */
  source?: Record<string, unknown>;
  /** How many items the resource matches, when the connector knows it cheaply (e.g. a chosen query's work items). */
  count?: number;
}

/**
 * How the link dialog's source picker (tab/src/integrations/ResourcePicker.tsx) presents
 * `listResources`: what the search box asks for, and which source fields a pick fills.
 */
export interface ResourcePickerMeta {
  /** The search box's label, e.g. "Shared query". */
  label: string;
  /** What to type there, e.g. "Paste the workbook's sharing link". */
  hint: string;
  placeholder?: string;
  /** The results list's accessible name, e.g. "Shared queries". */
  listLabel: string;
  /** `listResources` answers an empty search (recent or favourite resources): list them at once. */
  browse?: boolean;
  /**
   * Source fields only a pick fills (ids people never type): hidden from the generated source form.
   * Fields a pick fills that people read or edit (a worksheet, a URL) are not listed and stay visible.
   */
  idFields: string[];
  /** The source field holding the picked resource's name, shown as the choice. */
  nameField?: string;
  /** Source fields shown after that name when set, e.g. the worksheet: "Sales 2026.xlsx · Sheet1". */
  detailFields?: string[];
  /** The source field whose value, given as `search`, answers the picked resource with its `count`. */
  lookupField?: string;
  /** What `count` counts, e.g. "work items". */
  countNoun?: string;
}

export interface ItemNode {
  id: string;
  title: string;
  state: "proposed" | "in_progress" | "done" | "removed";
  url: string | null;
  progress: number | null;
  children: ItemNode[];
}

export interface ConnectorDefinition<Config = any, Secrets = any, Source = any> extends IntegrationMeta {
  schemas: {
    connectionConfig: z.ZodType<Config>;
    secrets: z.ZodType<Secrets>;
    sourceConfig: z.ZodType<Source>;
  };
  rateLimit: RateLimitPolicy;
  /**
   * Microsoft Entra ID sign-in (authorisation code with PKCE, sync/oauth/entraOAuth.ts) for
   * connections whose config sets `auth: "entra"`: Pacer's Entra app (PACER_ADO_CLIENT_ID) asks for
   * `scope` (include `offline_access`), and the sign-in seals `accessToken`, `refreshToken` and
   * `expiresAt` into the connection's secrets, renewed before each call. The secrets schema must
   * accept those three fields.
   */
  entraSignIn?: {
    scope: string;
    /** What a signed-in connection reads, for the sign-in's closing page ("work items"). */
    reads: string;
    /** The connector's other sign-in, offered where Entra sign-in is not set up ("a personal access token"). */
    otherwise: string;
    /** Config and secret fields only the other sign-in uses (an app's tenant and client id): the connection form hides them for Entra sign-in. */
    otherFields?: string[];
  };
  /** The link dialog's picker for `listResources` (a generic one when this is absent). */
  resourcePicker?: ResourcePickerMeta;
  testConnection(ctx: ConnectorContext<Config, Secrets>): Promise<ConnectionTestResult>;
  listResources?(ctx: ConnectorContext<Config, Secrets>, query: { search?: string | undefined }): Promise<Resource[]>;
  fetchValue?(ctx: ConnectorContext<Config, Secrets>, source: Source): Promise<FetchedValue>;
  /** A project's tasks: the source's items as a tree (what a project link shows, see sync/engine/projectLinks.ts). */
  fetchItems?(ctx: ConnectorContext<Config, Secrets>, source: Source): Promise<ItemNode[]>;
  /** Where people open the source itself (e.g. the query), stored on a linked project. */
  sourceUrl?(config: Config, source: Source): string | null;
  /**
   * How long one call may take for this connection, when its config sets a timeout longer than the
   * default 30 s deadline (a SQL statement timeout of 120 s must not be cut at 30 s).
   */
  callDeadlineMs?(config: Config): number;
}

/** What the integration services need of the registry. */
export interface ConnectorRegistry {
  get(id: string): ConnectorDefinition | undefined;
  list(): ConnectorDefinition[];
}

/**
 * The picker the catalogue publishes for a connector: its `resourcePicker` (listing at once only when
 * it says `browse`), or for one that lists resources without it a generic name search that hides no
 * field; null when it lists none.
 */
export function resourcePickerOf(d: Pick<ConnectorDefinition, "listResources" | "resourcePicker">): (ResourcePickerMeta & { browse: boolean }) | null {
  if (!d.listResources) return null;
  const meta = d.resourcePicker ?? { label: "Source", hint: "Type part of its name.", listLabel: "Sources", idFields: [] };
  return { ...meta, browse: meta.browse ?? false };
}

export const defaultRateLimit: RateLimitPolicy = {
  maxConcurrentPerConnection: 4,
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  defaultRetryAfterMs: 60_000,
};
