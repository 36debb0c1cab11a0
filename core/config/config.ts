import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DEFAULT_TENANT_ADMIN_ROLES } from "../auth/tenantAdmin.js";

/**
 * Every setting Pacer reads, parsed once at start-up from the environment (and an optional
 * `.env`). A bad value stops start-up with the full list of problems, never just the first.
 * Names follow Teams Toolkit's (`BOT_ID`, `AAD_APP_CLIENT_ID`, `TAB_ENDPOINT`) so the values
 * written by `teamsapp.yml` provisioning work as they are.
 */

const flag = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes" || v === "on");

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

/** One or more base64 keys of 32 bytes, comma separated; the first encrypts, all decrypt. */
const secretKeys = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === "") return undefined;
    const keys = value.split(",").map((part) => part.trim());
    keys.forEach((key, index) => {
      const bytes = Buffer.from(key, "base64");
      if (bytes.length !== 32 || bytes.toString("base64") !== key) {
        ctx.addIssue({
          code: "custom",
          message: `key ${index + 1} must be 32 random bytes in base64 (44 characters; generate one with: openssl rand -base64 32)`,
        });
      }
    });
    return keys.map((key) => Buffer.from(key, "base64"));
  })
  .optional();

/** Directory role template ids (GUIDs, matched against `wids`) and app role values (matched against `roles`). */
const tenantAdminRoles = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === "") return [...DEFAULT_TENANT_ADMIN_ROLES];
    const roles = value.split(",").map((part) => part.trim());
    roles.forEach((role, index) => {
      if (!/^[^\s,]+$/.test(role)) ctx.addIssue({ code: "custom", message: `entry ${index + 1} must be a role template id or an app role value (no spaces)` });
    });
    return roles;
  })
  .default(() => [...DEFAULT_TENANT_ADMIN_ROLES]);

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number({ message: "must be a port number (0-65535)" }).int().min(0).max(65535).default(3978),
    HOST: z.string().trim().min(1).default("0.0.0.0"),
    PACER_ROLE: z.enum(["web", "sync", "all"]).default("all"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

    MONGODB_URI: optionalText.pipe(
      z
        .string()
        .regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://")
        .optional(),
    ),
    MONGODB_DB: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, "letters, digits, _ and - only (at most 63)")
      .default("pacer"),
    PACER_DATA_DIR: z.string().trim().min(1).default(".data"),
    PACER_FERRETDB_BIN: optionalText,
    PACER_STORE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),

    PACER_SECRET_KEY: secretKeys,
    PACER_DEV_AUTH: flag.default(false),

    BOT_ID: optionalText,
    BOT_PASSWORD: optionalText,
    /** The bot's Entra tenant: set for a single-tenant bot registration (the Azure default since 2025). */
    BOT_TENANT_ID: optionalText,
    // botbuilder's own override keys, under their botbuilder names (sovereign clouds, local test
    // doubles). Set all of the five endpoint keys or none; unset uses the public Azure cloud.
    ToBotFromChannelOpenIdMetadataUrl: optionalText.pipe(z.url().optional()),
    ToBotFromChannelTokenIssuer: optionalText,
    ToChannelFromBotLoginUrl: optionalText.pipe(z.url().optional()),
    ToChannelFromBotOAuthScope: optionalText,
    OAuthUrl: optionalText.pipe(z.url().optional()),
    CallerId: optionalText,
    ChannelService: optionalText,

    AAD_APP_CLIENT_ID: optionalText,
    TAB_ENDPOINT: optionalText.pipe(z.url({ message: "must be a URL such as https://pacer.example.com" }).optional()),
    PACER_AUTH_OPENID_METADATA_URL: z
      .url()
      .default("https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"),
    PACER_AUTH_V1_ISSUER: z.string().trim().min(1).default("https://sts.windows.net/{tenantid}/"),
    PACER_AUTH_REQUIRED_SCOPE: z.string().trim().min(1).default("access_as_user"),
    /** Who sets a tenant's integration allow-list (core/auth/tenantAdmin.ts). */
    PACER_TENANT_ADMIN_ROLES: tenantAdminRoles,
    PACER_ALLOWED_TENANTS: z
      .string()
      .trim()
      .transform((v) => (v === "" ? [] : v.split(",").map((t) => t.trim().toLowerCase())))
      .default([]),

    /** Azure DevOps Entra ID sign-in: the Entra app's client id (unset: PAT connections only). */
    PACER_ADO_CLIENT_ID: optionalText,
    /** Optional: a confidential client's secret; without it Pacer signs in as a public client (PKCE). */
    PACER_ADO_CLIENT_SECRET: optionalText,
    /** The Entra authority including the tenant (`organizations`, a tenant id or domain; sovereign clouds differ). */
    PACER_ADO_AUTHORITY: z.url().default("https://login.microsoftonline.com/organizations"),

    PACER_SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
    /** Teams bot: check-ins reaching a conversation within this window of each other share one card. */
    PACER_BOT_BATCH_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  });

/**
 * Settings production refuses. Checked on the raw environment, separately from the schema, so
 * they are reported together with every other problem (a zod refinement would only run once the
 * rest already parses).
 */
function productionProblems(env: NodeJS.ProcessEnv): string[] {
  if (env.NODE_ENV !== "production") return [];
  const set = (key: string) => (env[key] ?? "").trim() !== "";
  const problems: string[] = [];
  if (!set("BOT_ID")) problems.push("BOT_ID: required in production: without it any caller could post to /api/messages");
  if (["1", "true", "yes", "on"].includes((env.PACER_DEV_AUTH ?? "").trim())) problems.push("PACER_DEV_AUTH: dev sign-in is refused in production");
  if (!set("PACER_SECRET_KEY")) problems.push("PACER_SECRET_KEY: required in production to encrypt connection secrets");
  if (!set("AAD_APP_CLIENT_ID")) problems.push("AAD_APP_CLIENT_ID: required in production for Teams single sign-on");
  if (!set("TAB_ENDPOINT")) problems.push("TAB_ENDPOINT: required in production (the public https address of Pacer)");
  else if (!env.TAB_ENDPOINT!.trim().startsWith("https://")) problems.push("TAB_ENDPOINT: must be https:// in production");
  return problems;
}

/** The botbuilder endpoint overrides only work as a complete set (botbuilder ignores its defaults once one is set). */
export const BOT_ENDPOINT_KEYS = [
  "ToBotFromChannelOpenIdMetadataUrl",
  "ToBotFromChannelTokenIssuer",
  "ToChannelFromBotLoginUrl",
  "ToChannelFromBotOAuthScope",
  "OAuthUrl",
] as const;

function botOverrideProblems(env: NodeJS.ProcessEnv): string[] {
  const set = BOT_ENDPOINT_KEYS.filter((key) => (env[key] ?? "").trim() !== "");
  if (set.length === 0 || set.length === BOT_ENDPOINT_KEYS.length) return [];
  return BOT_ENDPOINT_KEYS.filter((key) => !set.includes(key)).map((key) => `${key}: required when ${set.join(", ")} is set (set all of ${BOT_ENDPOINT_KEYS.join(", ")} or none)`);
}

export type Env = z.output<typeof envSchema>;

export interface Config extends Env {
  /** Absolute data folder (embedded store, generated dev keys). */
  dataDir: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Pacer cannot start, the configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses `env`; throws a ConfigError naming every bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const result = envSchema.safeParse(env);
  const problems = [
    ...(result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`)),
    ...productionProblems(env),
    ...botOverrideProblems(env),
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return { ...result.data, dataDir: path.resolve(cwd, result.data.PACER_DATA_DIR) };
}

/** Loads `.env` from `cwd` into process.env (existing variables win), then parses. */
export function loadConfig(cwd = process.cwd()): Config {
  const file = path.join(cwd, ".env");
  if (existsSync(file)) process.loadEnvFile(file);
  return parseConfig(process.env, cwd);
}
