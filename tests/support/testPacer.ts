import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import type { TokenRoles } from "../../core/auth/tenantAdmin.js";
import { parseConfig } from "../../core/config/config.js";
import { createLogger } from "../../core/log/logger.js";
import { Store } from "../../core/store/store.js";
import { startPacer, type RunningPacer } from "../../server/pacer.js";

/** A database name no other test file uses: each file starts from an empty store. */
export const freshDbName = (label = "t") => `${label}_${randomUUID().replaceAll("-", "").slice(0, 16)}`;

/** A Store on the shared test FerretDB, schema created. */
export async function openTestStore(options: { uri?: string; timeoutMs?: number } = {}): Promise<Store> {
  const store = Store.open({ uri: options.uri ?? inject("mongoUri"), dbName: freshDbName(), timeoutMs: options.timeoutMs ?? 5_000 });
  await store.prepare();
  return store;
}

export interface TestPacer extends RunningPacer {
  /** fetch against this Pacer; `as` signs the request in with a dev token for that identity. */
  request(pathname: string, init?: RequestInit & { as?: DevIdentity; json?: unknown }): Promise<Response>;
  tokenFor(identity?: DevIdentity): Promise<string>;
}

export interface DevIdentity {
  tenantId?: string;
  oid?: string;
  name?: string;
  email?: string;
  /** Puts `wids` and `roles` claims in the token, as an Entra app registration that emits them would. */
  roles?: TokenRoles;
}

/** A real Pacer process-in-process on a free loopback port, with dev sign-in, on a fresh database. */
export async function startTestPacer(env: Record<string, string> = {}): Promise<TestPacer> {
  const config = parseConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    MONGODB_URI: inject("mongoUri"),
    MONGODB_DB: freshDbName(),
    PACER_DEV_AUTH: "1",
    PACER_ROLE: "web",
    PACER_DATA_DIR: await mkdtemp(path.join(os.tmpdir(), "pacer-test-data-")),
    PACER_STORE_TIMEOUT_MS: "2000",
    ...env,
  });
  const pacer = await startPacer(config, createLogger(config.LOG_LEVEL));
  // Tests start once collections and indexes exist, as a ready server would be.
  await pacer.store.prepare();
  const tokenFor = async (identity: DevIdentity = {}) => {
    if (!pacer.authenticator.dev) throw new Error("dev sign-in is off for this test Pacer");
    return pacer.authenticator.dev.issue(identity);
  };
  return {
    ...pacer,
    tokenFor,
    async request(pathname, init = {}) {
      const headers = new Headers(init.headers);
      if (init.as) headers.set("authorization", `Bearer ${await tokenFor(init.as)}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return fetch(`${pacer.url}${pathname}`, { ...init, headers, body });
    },
  };
}

/** Creates an objective with these key results in the current quarter, signed in as `as`; answers the key results' ids. */
export async function createObjective(pacer: TestPacer, as: DevIdentity, title: string, keyResults: Array<Record<string, unknown>>): Promise<string[]> {
  const period = (await (await pacer.request("/api/v1/periods/current", { as })).json()) as { id: string };
  const created = await pacer.request("/api/v1/objectives", { method: "POST", as, json: { title, periodId: period.id, keyResults } });
  if (created.status !== 201) throw new Error(`creating the objective answered ${created.status}: ${await created.text()}`);
  return ((await created.json()) as { keyResults: Array<{ id: string }> }).keyResults.map((k) => k.id);
}
