import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SecretBox } from "../../../core/crypto/secretBox.js";
import type { Connection } from "../../../core/integrations/model.js";
import { apiClient, person } from "../okr/support.js";
import { LoopbackJson } from "../../support/loopbackJson.js";
import { freshDbName, startTestPacer, type DevIdentity, type TestPacer } from "../../support/testPacer.js";

const root = path.resolve(import.meta.dirname, "../../..");
const newKey = () => randomBytes(32).toString("base64");
const kidOf = (key: string) => new SecretBox([Buffer.from(key, "base64")]).keyIds[0]!;

const keyA = newKey();
const keyB = newKey();
const keyC = newKey();
const db = freshDbName("rotation");
const validTokens = new Set<string>();
let source: LoopbackJson;
const running: TestPacer[] = [];

/** A Pacer on the shared rotation database with these keys; closed after the file. */
async function pacerWith(keys: string, role: "web" | "sync" = "web"): Promise<TestPacer> {
  const pacer = await startTestPacer({ MONGODB_DB: db, PACER_SECRET_KEY: keys, PACER_ROLE: role });
  running.push(pacer);
  return pacer;
}

async function stop(pacer: TestPacer): Promise<void> {
  running.splice(running.indexOf(pacer), 1);
  await pacer.close();
}

/** Enables Web JSON (the first owner is tenant admin and org owner) and saves a connection holding `token`. */
async function connectionWith(pacer: TestPacer, owner: DevIdentity, token: string | null): Promise<string> {
  const api = apiClient(pacer);
  expect((await api(owner, "POST", "/integrations/webjson/enable", {})).status).toBe(200);
  if (token) validTokens.add(token);
  const created = await api(owner, "POST", "/integrations/webjson/connections", {
    name: `conn ${randomUUID().slice(0, 6)}`,
    config: { baseUrl: `${source.url}/stats` },
    ...(token ? { secrets: { bearerToken: token } } : {}),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

const rawConnection = async (pacer: TestPacer, id: string) =>
  (await pacer.store.collection<Connection>("connections").findOne({ _id: id })) as Connection;

const testSaved = (pacer: TestPacer, owner: DevIdentity, id: string) => apiClient(pacer)(owner, "POST", `/connections/${id}/test`);

async function readyzSecrets(pacer: TestPacer): Promise<{ underOldKeys: number; unopenable: number } | undefined> {
  return ((await (await pacer.request("/readyz")).json()) as { secrets?: { underOldKeys: number; unopenable: number } }).secrets;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `npm run reseal` as an operator runs it. */
async function runResealCli(keys: string): Promise<{ code: number; output: string }> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    NODE_ENV: "test",
    MONGODB_URI: inject("mongoUri"),
    MONGODB_DB: db,
    PACER_SECRET_KEY: keys,
    PACER_DATA_DIR: await mkdtemp(path.join(os.tmpdir(), "pacer-reseal-")),
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "server/reseal.ts"], { cwd: root, env });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

const tenant1 = person(randomUUID(), "Olga One");
const tenant2 = person(randomUUID(), "Tom Two");
const ids: Record<string, string> = {};
const versions = new Map<string, number>();

beforeAll(async () => {
  source = await new LoopbackJson().start();
  source.handler = (_path, req) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    return token && validTokens.has(token) ? { body: { value: 1 } } : { status: 401, body: { error: "unknown token" } };
  };
});
afterAll(async () => {
  for (const pacer of [...running]) await pacer.close();
  await source?.stop();
});

describe("rotating PACER_SECRET_KEY", () => {
  it("seals under the only key, across tenants", async () => {
    const pacer = await pacerWith(keyA);
    ids.one = await connectionWith(pacer, tenant1, "token-one");
    ids.two = await connectionWith(pacer, tenant2, "token-two");
    ids.edited = await connectionWith(pacer, tenant1, "token-before-edit");
    ids.refreshed = await connectionWith(pacer, tenant1, "token-before-refresh");
    ids.none = await connectionWith(pacer, tenant1, null);
    for (const id of [ids.one, ids.two, ids.edited, ids.refreshed]) expect((await rawConnection(pacer, id!)).sealedSecrets!.kid).toBe(kidOf(keyA));
    expect((await rawConnection(pacer, ids.none!)).sealedSecrets).toBeNull();
    for (const id of [ids.one!, ids.two!]) versions.set(id, (await rawConnection(pacer, id)).version);
    await stop(pacer);
  });

  it("never lets a re-seal overwrite an edit or a token refresh made after it read the secret", async () => {
    const pacer = await pacerWith(`${keyB},${keyA}`);
    const { resealer } = pacer.integrations.service;

    const beforeEdit = await rawConnection(pacer, ids.edited!);
    validTokens.add("token-after-edit");
    const edit = await apiClient(pacer)(tenant1, "PATCH", `/connections/${ids.edited}`, { secrets: { bearerToken: "token-after-edit" } });
    expect(edit.status).toBe(200);
    expect(await resealer.reseal(beforeEdit, JSON.stringify({ bearerToken: "token-before-edit" }))).toBe(false);
    expect(await pacer.integrations.service.openSecrets(await rawConnection(pacer, ids.edited!))).toEqual({ bearerToken: "token-after-edit" });

    // A token refresh replaces the sealed value without bumping the version: the sealed value itself is the guard.
    const beforeRefresh = await rawConnection(pacer, ids.refreshed!);
    validTokens.add("token-after-refresh");
    await pacer.integrations.service.storeSecrets(beforeRefresh.tenantId, ids.refreshed!, { bearerToken: "token-after-refresh" });
    expect((await rawConnection(pacer, ids.refreshed!)).version).toBe(beforeRefresh.version);
    expect(await resealer.reseal(beforeRefresh, JSON.stringify({ bearerToken: "token-before-refresh" }))).toBe(false);
    expect(await pacer.integrations.service.openSecrets(await rawConnection(pacer, ids.refreshed!))).toEqual({ bearerToken: "token-after-refresh" });
    await stop(pacer);
  });

  it("re-seals every tenant's secrets when the sync role starts with the new key first", async () => {
    const pacer = await pacerWith(`${keyB},${keyA}`, "sync");
    const secrets = await waitFor(async () => await readyzSecrets(pacer));
    expect(secrets).toMatchObject({ underOldKeys: 0, unopenable: 0 });
    for (const id of [ids.one!, ids.two!]) {
      const doc = await rawConnection(pacer, id);
      expect(doc.sealedSecrets!.kid).toBe(kidOf(keyB));
      // Same content, so nobody's open edit form turns stale.
      expect(doc.version).toBe(versions.get(id));
    }
    await stop(pacer);
  });

  it("works with the new key alone once the old one is dropped", async () => {
    const pacer = await pacerWith(keyB);
    expect((await testSaved(pacer, tenant1, ids.one!)).body).toMatchObject({ ok: true });
    expect((await testSaved(pacer, tenant2, ids.two!)).body).toMatchObject({ ok: true });
    expect((await testSaved(pacer, tenant1, ids.refreshed!)).body).toMatchObject({ ok: true });
    // A web-only process runs no re-seal pass and reports none.
    expect(await readyzSecrets(pacer)).toBeUndefined();
    await stop(pacer);
  });

  it("npm run reseal re-seals, names the removable key, and reports secrets under a key no longer configured", async () => {
    const underA = await pacerWith(keyA);
    ids.late = await connectionWith(underA, tenant1, "token-late");
    await stop(underA);
    const tenant3 = person(randomUUID(), "Cleo Three");
    const underC = await pacerWith(keyC);
    ids.lost = await connectionWith(underC, tenant3, "token-lost");
    await stop(underC);

    const { code, output } = await runResealCli(`${keyB},${keyA}`);
    expect(output).toContain(`re-sealed 1 secret(s); 0 remain under old keys: key 2 (kid ${kidOf(keyA)}) can be removed from PACER_SECRET_KEY`);
    expect(output).toContain("1 secret(s) are sealed under keys no longer in PACER_SECRET_KEY");
    expect(output).toContain(ids.lost);
    expect(code).toBe(1);

    const pacer = await pacerWith(keyB);
    expect((await testSaved(pacer, tenant1, ids.late!)).body).toMatchObject({ ok: true });
    const lost = await testSaved(pacer, tenant3, ids.lost!);
    expect(lost.status).toBe(409);
    expect(lost.body.error.id).toBe("secrets_unreadable");
    await stop(pacer);
  });
});
