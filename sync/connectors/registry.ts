import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ConnectorDefinition, ConnectorRegistry } from "../../core/integrations/contract.js";
import type { Logger } from "../../core/log/logger.js";

export const connectorsDir = path.dirname(fileURLToPath(import.meta.url));

/** Why a definition is unusable, or null. Checked at load so a broken connector never reaches a request. */
export function definitionProblem(def: unknown, folder: string): string | null {
  const d = def as Partial<ConnectorDefinition> | undefined;
  if (!d || typeof d !== "object") return "does not default-export a definition object";
  if (d.id !== folder) return `its id "${String(d.id)}" differs from its folder name`;
  for (const key of ["displayName", "description", "icon", "termsUrl", "docsUrl"] as const) {
    if (typeof d[key] !== "string" || d[key].length === 0) return `${key} is missing`;
  }
  if (d.type !== "data" && d.type !== "collaboration") return "type must be data or collaboration";
  if (!["in-boundary-m365", "cross-boundary-microsoft", "third-party"].includes(d.category as string)) return "category is not one of the three";
  if (d.mode !== "pull" && d.mode !== "push") return "mode must be pull or push";
  if (!d.schemas?.connectionConfig || !d.schemas.secrets || !d.schemas.sourceConfig) return "schemas are missing";
  if (!d.rateLimit || !(d.rateLimit.maxConcurrentPerConnection >= 1)) return "rateLimit is missing";
  if (typeof d.testConnection !== "function") return "testConnection is missing";
  if (d.mode === "pull" && typeof d.fetchValue !== "function") return "a pull connector needs fetchValue";
  return null;
}

export class Registry implements ConnectorRegistry {
  private readonly byId: Map<string, ConnectorDefinition>;
  constructor(definitions: ConnectorDefinition[]) {
    this.byId = new Map(definitions.map((d) => [d.id, d]));
  }
  get(id: string): ConnectorDefinition | undefined {
    return this.byId.get(id);
  }
  list(): ConnectorDefinition[] {
    return [...this.byId.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
  }
}

/**
 * Builds the registry from the folder list: every `sync/connectors/<id>/index.ts` (or `.js`) is
 * imported; one that fails to load or is malformed is logged and skipped, never fatal.
 */
export async function loadConnectorRegistry(log: Logger, dir = connectorsDir): Promise<Registry> {
  const entries = await readdir(dir, { withFileTypes: true });
  const definitions: ConnectorDefinition[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = ["index.ts", "index.js"].map((f) => path.join(dir, entry.name, f)).find((f) => existsSync(f));
    if (!file) continue;
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      const problem = definitionProblem(mod.default, entry.name);
      if (problem) {
        log.error({ connector: entry.name }, `connector skipped: ${problem}`);
        continue;
      }
      definitions.push(mod.default as ConnectorDefinition);
    } catch (error) {
      log.error({ err: error, connector: entry.name }, "connector skipped: it failed to load");
    }
  }
  return new Registry(definitions);
}
