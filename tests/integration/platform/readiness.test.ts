import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { FerretDbProcess } from "../../../core/store/embedded/ferretDbProcess.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("readiness follows the store", () => {
  let ferret: FerretDbProcess;
  let dataDir: string;
  let pacer: TestPacer;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "pacer-readyz-"));
    // A FerretDB of this test's own, so killing it disturbs no other test.
    ferret = await FerretDbProcess.start({ bin: inject("ferretDbBin"), dataDir });
    pacer = await startTestPacer({ MONGODB_URI: ferret.uri, PACER_STORE_TIMEOUT_MS: "1000" });
  });

  afterAll(async () => {
    await pacer?.close();
    await ferret?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("answers 200 while FerretDB runs, 503 with the reason when it is killed, and 200 again after it restarts", async () => {
    expect((await pacer.request("/readyz")).status).toBe(200);
    const before = await pacer.request("/api/v1/me", { as: {} });
    expect(before.status).toBe(200);

    await ferret.kill("SIGKILL");

    const down = await pacer.request("/readyz");
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: "unavailable", reason: expect.any(String) });
    // The process itself stays up.
    expect((await pacer.request("/healthz")).status).toBe(200);
    // API requests fail fast with a clear 503 instead of hanging.
    const started = Date.now();
    const failed = await pacer.request("/api/v1/me", { as: {} });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("5");
    expect(await failed.json()).toMatchObject({ error: { id: "store_unavailable" } });
    expect(Date.now() - started).toBeLessThan(10_000);

    await ferret.restart();
    await waitFor(async () => (await pacer.request("/readyz")).status === 200);
    const after = await pacer.request("/api/v1/me", { as: {} });
    expect(after.status).toBe(200);
    // Same user as before the outage: nothing was lost or duplicated.
    expect(((await after.json()) as { user: { id: string } }).user.id).toBe(
      ((await before.json()) as { user: { id: string } }).user.id,
    );
  });
});
