import { Writable } from "node:stream";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import { requestLogging } from "../../../server/http/requestLogging.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";

describe("HTTP conventions", () => {
  let pacer: TestPacer;
  beforeAll(async () => {
    pacer = await startTestPacer();
  });
  afterAll(async () => pacer.close());

  it("answers unknown routes with the error shape and 404", async () => {
    const response = await pacer.request("/api/v1/nothing-here", { as: {} });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { id: "not_found", message: "GET /api/v1/nothing-here was not found." } });
  });

  it("answers malformed JSON with 400 invalid_json", async () => {
    const response = await pacer.request("/api/v1/auth/dev-token", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { id: string } }).error.id).toBe("invalid_json");
  });

  it("echoes a well-formed x-request-id and makes one up otherwise", async () => {
    const given = await pacer.request("/healthz", { headers: { "x-request-id": "req-123" } });
    expect(given.headers.get("x-request-id")).toBe("req-123");
    const invalid = await pacer.request("/healthz", { headers: { "x-request-id": "bad id with spaces" } });
    expect(invalid.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("process roles", () => {
  it("a sync-only process runs the scheduler and answers health checks, not the API", async () => {
    const sync = await startTestPacer({ PACER_ROLE: "sync" });
    try {
      expect(sync.scheduler).toBeDefined();
      expect((await sync.request("/readyz")).status).toBe(200);
      expect((await sync.request("/api/v1/me", { as: {} })).status).toBe(404);
    } finally {
      await sync.close();
    }
  });

  it("a web-only process serves the API without a scheduler", async () => {
    const web = await startTestPacer({ PACER_ROLE: "web" });
    try {
      expect(web.scheduler).toBeUndefined();
      expect((await web.request("/api/v1/me", { as: {} })).status).toBe(200);
    } finally {
      await web.close();
    }
  });
});

describe("request logs", () => {
  it("carry the request id and never the bearer token", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = express();
    app.use(requestLogging(createLogger("info", sink)));
    app.get("/x", (req, res) => {
      req.log.info({ user: { password: "hunter2", token: "abc" } }, "handled");
      res.json({ ok: true });
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address() as { port: number };
    await fetch(`http://127.0.0.1:${port}/x`, { headers: { authorization: "Bearer secret-token-value", "x-request-id": "r-42" } });
    server.close();
    const text = lines.join("");
    expect(text).toContain('"id":"r-42"');
    expect(text).not.toContain("secret-token-value");
    expect(text).not.toContain("hunter2");
    expect(text).toContain("[redacted]");
  });
});

describe("API caching", () => {
  it("never answers 304 from a version ETag: an objective's progress changes with its KRs' check-ins", async () => {
    const pacer = await startTestPacer();
    try {
      const me = {};
      const period = (await (await pacer.request("/api/v1/periods/current", { as: me })).json()) as { id: string };
      const created = await pacer.request("/api/v1/objectives", {
        as: me,
        method: "POST",
        json: { title: "Cache test", periodId: period.id, keyResults: [{ title: "KR", measurement: { kind: "percent" } }] },
      });
      const objective = (await created.json()) as { id: string; keyResults: Array<{ id: string }> };
      const first = await pacer.request(`/api/v1/objectives/${objective.id}`, { as: me });
      const tag = first.headers.get("etag");
      expect(tag).toBeTruthy();
      expect(first.headers.get("cache-control")).toBe("no-store");
      const checkIn = await pacer.request(`/api/v1/key-results/${objective.keyResults[0]!.id}/check-ins`, { as: me, method: "POST", json: { value: 50 } });
      expect(checkIn.status).toBe(201);
      const again = await pacer.request(`/api/v1/objectives/${objective.id}`, { as: me, headers: { "if-none-match": tag! } });
      expect(again.status).toBe(200);
      expect(((await again.json()) as { progress: number }).progress).toBe(50);
    } finally {
      await pacer.close();
    }
  });
});
