/**
 * The Teams app package: fill `appPackage/manifest.json` from `env/.env.<env>` (+ `.user`), validate
 * it, and zip it with its icons. Used by `scripts/packageApp.ts` and `tests/unit/appPackage.test.ts`.
 *
 * Validation = the vendored Teams manifest JSON schema (draft-04, via ajv-draft-04) plus the rules a
 * schema cannot express. Every check returns problems instead of throwing, so a caller can show all
 * of them at once. Each problem has a stable `rule` id; tests match on it, people read `message`.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import AdmZip from "adm-zip";
import AjvDraft04 from "ajv-draft-04";
import addFormatsModule from "ajv-formats";
import pngjs from "pngjs";

const { PNG } = pngjs;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const APP_PACKAGE_DIR = join(REPO_ROOT, "appPackage");
export const MANIFEST_VERSION = "1.30";
export const SCHEMA_PATH = join(APP_PACKAGE_DIR, "schema", `MicrosoftTeams.schema.${MANIFEST_VERSION}.json`);

/** Files at the root of the zip, and nothing else. */
export const PACKAGE_FILES = ["manifest.json", "color.png", "outline.png"] as const;
export const ICON_SIZES = { color: 192, outline: 32 } as const;

/** Placeholders that may be filled with an empty string (e.g. no name suffix in production). */
export const MAY_BE_EMPTY = new Set(["APP_NAME_SUFFIX"]);

export type Rule =
  | "env"
  | "placeholder"
  | "schema"
  | "icon-missing"
  | "icon-format"
  | "icon-size"
  | "outline-transparency"
  | "bot-id"
  | "valid-domains"
  | "sso-resource"
  | "zip";

export interface Problem {
  rule: Rule;
  message: string;
}

export class AppPackageError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`Teams app package is invalid:\n${problems.map((p) => `  - [${p.rule}] ${p.message}`).join("\n")}`);
    this.name = "AppPackageError";
  }
}

// ---------------------------------------------------------------------------------------------
// Environment files and placeholders

/** Parses a dotenv-style file: `KEY=value`, `# comments`, optional surrounding quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().replace(/^export\s+/, "");
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) {
      value = value.slice(1, -1);
    }
    values[key] = value;
  }
  return values;
}

export interface LoadedEnv {
  values: Record<string, string>;
  files: string[];
}

/**
 * Reads `env/.env.<env>` (required) then `env/.env.<env>.user` (optional, gitignored, wins).
 * `TEAMSFX_ENV` is set to the environment name, as the Teams Toolkit does.
 */
export function loadEnv(envName: string, root = REPO_ROOT): LoadedEnv {
  if (!/^[A-Za-z0-9_-]+$/.test(envName)) {
    throw new AppPackageError([{ rule: "env", message: `invalid environment name "${envName}"` }]);
  }
  const base = join(root, "env", `.env.${envName}`);
  if (!existsSync(base)) {
    throw new AppPackageError([{ rule: "env", message: `env/.env.${envName} not found` }]);
  }
  const files = [base];
  const values: Record<string, string> = { TEAMSFX_ENV: envName, ...parseEnvFile(readFileSync(base, "utf8")) };
  const user = `${base}.user`;
  if (existsSync(user)) {
    files.push(user);
    Object.assign(values, parseEnvFile(readFileSync(user, "utf8")));
  }
  return { values, files };
}

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Distinct placeholder names in a text, in order of first appearance. */
export function findPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * Replaces every `${{NAME}}`. A name is unfilled when it has no value (or an empty one, unless it
 * is in MAY_BE_EMPTY). Values are JSON-escaped because the template is JSON text.
 */
export function fillPlaceholders(template: string, values: Record<string, string>): { text: string; unfilled: string[] } {
  const unfilled = findPlaceholders(template).filter((name) => {
    const value = values[name];
    return value === undefined || (value === "" && !MAY_BE_EMPTY.has(name));
  });
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined || unfilled.includes(name)) return whole;
    return JSON.stringify(value).slice(1, -1);
  });
  return { text, unfilled };
}

// ---------------------------------------------------------------------------------------------
// Schema validation

// ajv and ajv-formats are CommonJS with a `default` export; under NodeNext the import is the module.
type AjvInstance = import("ajv").default;
type ValidateFn = import("ajv").ValidateFunction;
const Ajv = ((AjvDraft04 as unknown as { default?: unknown }).default ?? AjvDraft04) as unknown as new (
  opts: object,
) => AjvInstance;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: AjvInstance,
) => void;

let compiled: ValidateFn | undefined;

function schemaValidator(): ValidateFn {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as object);
  }
  return compiled;
}

export function validateSchema(manifest: unknown): Problem[] {
  const validate = schemaValidator();
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e) => ({
    rule: "schema" as const,
    message: `${e.instancePath || "/"} ${e.message ?? "is invalid"}${
      e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : ""
    }`,
  }));
}

// ---------------------------------------------------------------------------------------------
// Rules the schema cannot express

/** Loose view of the parts of a manifest the rules read; the schema has checked the shapes. */
interface ManifestView {
  icons?: { color?: string; outline?: string };
  bots?: Array<{ botId?: string }>;
  composeExtensions?: Array<{
    botId?: string;
    composeExtensionType?: string;
    messageHandlers?: Array<{ type?: string; value?: { domains?: string[] } }>;
  }>;
  staticTabs?: Array<{ entityId?: string; contentUrl?: string; websiteUrl?: string; searchUrl?: string }>;
  configurableTabs?: Array<{ configurationUrl?: string }>;
  validDomains?: string[];
  webApplicationInfo?: { id?: string; resource?: string };
}

export function checkNoPlaceholders(manifestText: string): Problem[] {
  return findPlaceholders(manifestText).map((name) => ({
    rule: "placeholder" as const,
    message: `unfilled placeholder \${{${name}}}`,
  }));
}

export function checkBotIds(manifest: ManifestView): Problem[] {
  const botId = manifest.bots?.[0]?.botId;
  const problems: Problem[] = [];
  for (const [i, ext] of (manifest.composeExtensions ?? []).entries()) {
    if ((ext.composeExtensionType ?? "botBased") !== "botBased") continue;
    if (botId === undefined) {
      problems.push({ rule: "bot-id", message: `composeExtensions[${i}] is bot-based but the manifest has no bot` });
    } else if (ext.botId?.toLowerCase() !== botId.toLowerCase()) {
      problems.push({
        rule: "bot-id",
        message: `composeExtensions[${i}].botId (${ext.botId ?? "missing"}) differs from bots[0].botId (${botId})`,
      });
    }
  }
  return problems;
}

/** Does `validDomains` entry `pattern` (host, host:port or *.suffix) cover `host` (maybe with port)? */
export function domainCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  const h = host.toLowerCase();
  const hostname = h.replace(/:\d+$/, "");
  if (p.startsWith("*.")) {
    const suffix = p.slice(1);
    return hostname.endsWith(suffix) || h.endsWith(suffix);
  }
  return p === h || p === hostname;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

export function checkValidDomains(manifest: ManifestView): Problem[] {
  const domains = manifest.validDomains ?? [];
  const problems: Problem[] = [];
  const requireHost = (where: string, url: string | undefined): void => {
    if (url === undefined) return;
    const host = hostOf(url);
    if (host === undefined) {
      problems.push({ rule: "valid-domains", message: `${where} is not a URL: ${url}` });
    } else if (!domains.some((d) => domainCovers(d, host))) {
      problems.push({ rule: "valid-domains", message: `${where} host ${host} is not in validDomains [${domains.join(", ")}]` });
    }
  };
  for (const [i, tab] of (manifest.staticTabs ?? []).entries()) {
    requireHost(`staticTabs[${i}].contentUrl`, tab.contentUrl);
    requireHost(`staticTabs[${i}].websiteUrl`, tab.websiteUrl);
    requireHost(`staticTabs[${i}].searchUrl`, tab.searchUrl);
  }
  for (const [i, tab] of (manifest.configurableTabs ?? []).entries()) {
    requireHost(`configurableTabs[${i}].configurationUrl`, tab.configurationUrl);
  }
  for (const [i, ext] of (manifest.composeExtensions ?? []).entries()) {
    for (const [j, handler] of (ext.messageHandlers ?? []).entries()) {
      for (const domain of handler.value?.domains ?? []) {
        const covered = domains.some((d) => d.toLowerCase() === domain.toLowerCase() || domainCovers(d, domain));
        if (!covered) {
          problems.push({
            rule: "valid-domains",
            message: `composeExtensions[${i}].messageHandlers[${j}] unfurl domain ${domain} is not in validDomains [${domains.join(", ")}]`,
          });
        }
      }
    }
  }
  return problems;
}

/**
 * SSO: `webApplicationInfo.resource` must be `api://<tab host>/<client id>`, where the tab host is
 * the host of the first static tab with a content URL (else of the configurable tab).
 */
export function checkSsoResource(manifest: ManifestView): Problem[] {
  const info = manifest.webApplicationInfo;
  if (!info?.resource) return [];
  const tabUrl =
    manifest.staticTabs?.find((t) => t.contentUrl !== undefined)?.contentUrl ?? manifest.configurableTabs?.[0]?.configurationUrl;
  const tabHost = tabUrl === undefined ? undefined : hostOf(tabUrl);
  const match = /^api:\/\/([^/]+)\/(.+)$/.exec(info.resource);
  if (!match) {
    return [{ rule: "sso-resource", message: `webApplicationInfo.resource ${info.resource} is not of the form api://<tab host>/<client id>` }];
  }
  const problems: Problem[] = [];
  if (tabHost !== undefined && match[1]!.toLowerCase() !== tabHost.toLowerCase()) {
    problems.push({
      rule: "sso-resource",
      message: `webApplicationInfo.resource host ${match[1]} is not the tab domain ${tabHost}`,
    });
  }
  if (info.id !== undefined && !match[2]!.toLowerCase().endsWith(info.id.toLowerCase())) {
    problems.push({
      rule: "sso-resource",
      message: `webApplicationInfo.resource ${info.resource} does not end with webApplicationInfo.id ${info.id}`,
    });
  }
  return problems;
}

/** Icon files exist, are PNGs of the right size, and the outline is white on transparent. */
export function checkIcons(manifest: ManifestView, files: ReadonlyMap<string, Buffer>): Problem[] {
  const problems: Problem[] = [];
  for (const kind of ["color", "outline"] as const) {
    const name = manifest.icons?.[kind];
    if (name === undefined) continue; // the schema reports it
    const data = files.get(name);
    if (data === undefined) {
      problems.push({ rule: "icon-missing", message: `icons.${kind} file ${name} is not in the package` });
      continue;
    }
    let png: { width: number; height: number; data: Buffer };
    try {
      png = PNG.sync.read(data);
    } catch (err) {
      problems.push({ rule: "icon-format", message: `icons.${kind} ${name} is not a readable PNG: ${(err as Error).message}` });
      continue;
    }
    const size = ICON_SIZES[kind];
    if (png.width !== size || png.height !== size) {
      problems.push({
        rule: "icon-size",
        message: `icons.${kind} ${name} is ${png.width}×${png.height}, must be ${size}×${size}`,
      });
    }
    if (kind === "outline") {
      let bad = 0;
      let first = "";
      for (let i = 0; i < png.width * png.height; i++) {
        const [r, g, b, a] = [png.data[i * 4]!, png.data[i * 4 + 1]!, png.data[i * 4 + 2]!, png.data[i * 4 + 3]!];
        if (a !== 0 && (r !== 255 || g !== 255 || b !== 255)) {
          if (bad === 0) first = ` (first at x=${i % png.width}, y=${Math.floor(i / png.width)}: rgba(${r},${g},${b},${a}))`;
          bad++;
        }
      }
      if (bad > 0) {
        problems.push({
          rule: "outline-transparency",
          message: `icons.outline ${name} has ${bad} pixel(s) that are neither transparent nor white${first}`,
        });
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Whole package

/** Validates a filled manifest (as text, to catch leftover placeholders) with the package's files. */
export function validateAppPackage(manifestText: string, files: ReadonlyMap<string, Buffer>): Problem[] {
  const problems = checkNoPlaceholders(manifestText);
  let manifest: ManifestView;
  try {
    manifest = JSON.parse(manifestText) as ManifestView;
  } catch (err) {
    return [...problems, { rule: "schema", message: `manifest.json is not valid JSON: ${(err as Error).message}` }];
  }
  return [
    ...problems,
    ...validateSchema(manifest),
    ...checkBotIds(manifest),
    ...checkValidDomains(manifest),
    ...checkSsoResource(manifest),
    ...checkIcons(manifest, files),
  ];
}

export function buildZip(files: ReadonlyMap<string, Buffer>): Buffer {
  const zip = new AdmZip();
  for (const [name, data] of files) zip.addFile(name, data);
  return zip.toBuffer();
}

/** Opens a built zip, checks it holds exactly PACKAGE_FILES at its root, and validates them. */
export function validateZip(zipData: Buffer): Problem[] {
  let entries: AdmZip.IZipEntry[];
  try {
    entries = new AdmZip(zipData).getEntries();
  } catch (err) {
    return [{ rule: "zip", message: `the package does not open as a zip: ${(err as Error).message}` }];
  }
  const names = entries.map((e) => e.entryName);
  const problems: Problem[] = [];
  for (const expected of PACKAGE_FILES) {
    if (!names.includes(expected)) problems.push({ rule: "zip", message: `${expected} is missing from the zip root` });
  }
  for (const name of names) {
    if (!(PACKAGE_FILES as readonly string[]).includes(name)) {
      problems.push({ rule: "zip", message: `unexpected entry ${name} (only ${PACKAGE_FILES.join(", ")} belong at the root)` });
    }
  }
  const files = new Map(entries.filter((e) => !e.isDirectory).map((e) => [e.entryName, e.getData()] as const));
  const manifest = files.get("manifest.json");
  if (manifest !== undefined) problems.push(...validateAppPackage(manifest.toString("utf8"), files));
  return problems;
}

export interface PackageResult {
  zipPath: string;
  zip: Buffer;
  manifestText: string;
}

/**
 * Fills the manifest template for `envName`, validates everything, and returns the zip (the caller
 * writes it to `zipPath`). Throws AppPackageError listing every problem.
 */
export function packageApp(envName: string, root = REPO_ROOT): PackageResult {
  const { values } = loadEnv(envName, root);
  const appDir = join(root, "appPackage");
  const { text, unfilled } = fillPlaceholders(readFileSync(join(appDir, "manifest.json"), "utf8"), values);
  if (unfilled.length > 0) {
    throw new AppPackageError(
      unfilled.map((name) => ({
        rule: "placeholder",
        message: `\${{${name}}} has no value in env/.env.${envName} or env/.env.${envName}.user`,
      })),
    );
  }
  const files = new Map<string, Buffer>([["manifest.json", Buffer.from(text, "utf8")]]);
  for (const icon of ["color.png", "outline.png"]) files.set(icon, readFileSync(join(appDir, icon)));
  const zip = buildZip(files);
  const problems = validateZip(zip);
  if (problems.length > 0) throw new AppPackageError(problems);
  return { zipPath: join(appDir, "build", `appPackage.${envName}.zip`), zip, manifestText: text };
}
