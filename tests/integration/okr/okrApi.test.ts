import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Activity } from "../../../core/okr/model.js";
import { quarterShift } from "../../../core/okr/periods.js";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { apiClient, person, ok } from "./support.js";

let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenant = randomUUID();
const otherTenant = randomUUID();
const owner = person(tenant, "Olga Owner");
const alice = person(tenant, "Alice Lead");
const bob = person(tenant, "Bob Member");
const stranger = person(otherTenant, "Sid Stranger");
const ids: Record<string, string> = {};
let periodId = "";

const krs = [
  { title: "Ship it", measurement: { kind: "percent" } },
  { title: "Users 100 → 300", measurement: { kind: "metric", start: 100, target: 300, unit: "users" }, weight: 2 },
  { title: "Uptime ≥ 99.9", measurement: { kind: "kpi", threshold: 99.9, direction: "above", unit: "%", decimals: 1 } },
  { title: "Launch", measurement: { kind: "milestone" } },
];

beforeAll(async () => {
  pacer = await startTestPacer();
  api = apiClient(pacer);
  for (const [key, who] of Object.entries({ owner, alice, bob, stranger })) ids[key] = ok(await api(who, "GET", "/me")).user.id;
  periodId = ok(await api(alice, "GET", "/periods/current")).id;
  const team = ok(await api(owner, "POST", "/teams", { name: "Sales", ownerIds: [ids.alice], memberIds: [ids.bob] }), 201);
  ids.team = team.id;
});
afterAll(async () => {
  await pacer?.close();
});

describe("objectives and key results", () => {
  it("creates an objective with KRs of every kind, with progress, status and an ETag", async () => {
    const reply = await api(alice, "POST", "/objectives", { title: "Win the quarter", periodId, keyResults: krs });
    const objective = ok(reply, 201);
    expect(reply.headers.get("etag")).toBe('"1"');
    expect(objective).toMatchObject({ title: "Win the quarter", owner: { type: "user", id: ids.alice }, state: "active", version: 1 });
    expect(objective.keyResults.map((k: { measurement: { kind: string } }) => k.measurement.kind)).toEqual(["percent", "metric", "kpi", "milestone"]);
    expect(objective.keyResults[1]).toMatchObject({ current: 100, progress: 0, weight: 2 });
    expect(objective).not.toHaveProperty("tenantId");
    ids.objective = objective.id;
    ids.krPercent = objective.keyResults[0].id;
    ids.krMetric = objective.keyResults[1].id;
  });

  it("checks in: the KR carries the value, history and feed record it, the event fires", async () => {
    const events: unknown[] = [];
    const unsubscribe = pacer.okr.events.subscribe("keyResult.checkedIn", (e) => void events.push(e));
    const reply = ok(await api(alice, "POST", `/key-results/${ids.krMetric}/check-ins`, { value: 200, note: "halfway" }), 201);
    unsubscribe();
    expect(reply.checkIn).toMatchObject({ value: 200, previousValue: 100, late: false, source: { kind: "manual" }, origin: "api" });
    expect(reply.keyResult).toMatchObject({ current: 200, progress: 50 });
    const objective = ok(await api(alice, "GET", `/objectives/${ids.objective}`));
    // weights 1,2,1,1: (0 + 50*2 + 0 + 0) / 5
    expect(objective.progress).toBe(20);
    const history = ok(await api(bob, "GET", `/key-results/${ids.krMetric}/check-ins`));
    expect(history.items).toHaveLength(1);
    const feed = ok(await api(bob, "GET", `/objectives/${ids.objective}/activity`));
    expect(feed.items.map((a: { kind: string }) => a.kind)).toContain("check_in");
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ tenantId: tenant, progress: 50 });
  });

  it("takes an owner-set status over the computed one, and refuses values outside the measurement", async () => {
    const reply = ok(await api(alice, "POST", `/key-results/${ids.krPercent}/check-ins`, { value: 0, status: "on_track" }), 201);
    expect(reply.keyResult).toMatchObject({ status: "on_track", statusSetByOwner: true });
    const bad = await api(alice, "POST", `/key-results/${ids.krPercent}/check-ins`, { value: 140 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: "value", message: expect.stringContaining("between 0 and 100") }]);
  });

  it("a member cannot edit or check in on someone else's OKR (403) but can comment and reply", async () => {
    const edit = await api(bob, "PATCH", `/objectives/${ids.objective}`, { title: "Mine now", version: 1 });
    expect(edit.status).toBe(403);
    expect(edit.body.error.id).toBe("forbidden");
    expect((await api(bob, "POST", `/key-results/${ids.krMetric}/check-ins`, { value: 250 })).status).toBe(403);
    expect((await api(bob, "POST", "/objectives", { title: "For Alice", periodId, owner: { type: "user", id: ids.alice } })).status).toBe(403);
    const comment = ok(await api(bob, "POST", `/key-results/${ids.krMetric}/comments`, { text: "Nice!" }), 201);
    const reply = ok(await api(alice, "POST", `/key-results/${ids.krMetric}/comments`, { text: "Thanks", parentId: comment.id }), 201);
    expect(reply.parentId).toBe(comment.id);
    expect((await api(alice, "PATCH", `/comments/${comment.id}`, { text: "hijack", version: 1 })).status).toBe(403);
  });

  it("editing a comment keeps what Teams added to it (reaction counts)", async () => {
    const comment = ok(await api(bob, "POST", `/key-results/${ids.krMetric}/comments`, { text: "Great quarter" }), 201);
    const activity = pacer.store.tenantCollection<Activity>("activity");
    await activity.update(tenant, comment.id, { $set: { data: { reactions: { like: 3, heart: 1 } } } });
    const edited = ok(await api(bob, "PATCH", `/comments/${comment.id}`, { text: "Great quarter!", version: 2 }));
    expect(edited.text).toBe("Great quarter!");
    const stored = await activity.findById(tenant, comment.id);
    expect(stored?.data).toEqual({ reactions: { like: 3, heart: 1 }, edited: true });
  });

  it("team owners manage the team's OKRs; team members do not", async () => {
    const created = ok(await api(alice, "POST", "/objectives", { title: "Team goal", periodId, owner: { type: "team", id: ids.team } }), 201);
    expect((await api(bob, "POST", "/objectives", { title: "Team goal 2", periodId, owner: { type: "team", id: ids.team } })).status).toBe(403);
    expect((await api(bob, "PATCH", `/objectives/${created.id}`, { title: "x", version: 1 })).status).toBe(403);
    ok(await api(owner, "PATCH", `/objectives/${created.id}`, { title: "Team goal (admin edit)", version: 1 }));
    ids.teamObjective = created.id;
  });

  it("another tenant's ids are 404, never 403", async () => {
    for (const [method, path, json] of [
      ["GET", `/objectives/${ids.objective}`, undefined],
      ["PATCH", `/objectives/${ids.objective}`, { title: "x", version: 1 }],
      ["DELETE", `/objectives/${ids.objective}`, undefined],
      ["GET", `/key-results/${ids.krMetric}`, undefined],
      ["POST", `/key-results/${ids.krMetric}/check-ins`, { value: 1 }],
      ["GET", `/objectives/${ids.objective}/activity`, undefined],
      ["GET", `/teams/${ids.team}`, undefined],
    ] as const) {
      const reply = await api(stranger, method, path, json);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error.id).toBe("not_found");
    }
    const list = ok(await api(stranger, "GET", "/objectives"));
    expect(list.items).toEqual([]);
    // Referencing another tenant's objective as a parent is refused as not existing.
    const stray = await api(stranger, "POST", "/objectives", { title: "x", periodId: ok(await api(stranger, "GET", "/periods/current")).id, parents: [{ type: "objective", id: ids.objective }] });
    expect(stray.status).toBe(400);
    expect(stray.body.error.details[0].path).toBe("parents.0.id");
  });

  it("invalid bodies get 400 with field-level details", async () => {
    const reply = await api(alice, "POST", "/objectives", {
      title: "",
      periodId: "nope",
      keyResults: [{ title: "x", measurement: { kind: "metric", start: 5, target: 5 } }, { title: "y", measurement: { kind: "gauge" } }],
      extra: 1,
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.id).toBe("invalid_request");
    const paths = reply.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["title", "periodId", "keyResults.0.measurement.target", "keyResults.1.measurement.kind"]));
    const query = await api(alice, "GET", "/objectives?limit=500");
    expect(query.status).toBe(400);
    expect(query.body.error.details[0].path).toBe("limit");
    const noVersion = await api(alice, "PATCH", `/objectives/${ids.objective}`, { title: "x" });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error.details).toEqual([{ path: "version", message: expect.stringContaining("If-Match") }]);
  });

  it("concurrent updates: the second writer with the same version gets 409; If-Match works too", async () => {
    const current = await api(alice, "GET", `/objectives/${ids.objective}`);
    const etag = current.headers.get("etag")!;
    const version = current.body.version;
    const [first, second] = await Promise.all([
      api(alice, "PATCH", `/objectives/${ids.objective}`, { title: "Edit A", version }),
      api(owner, "PATCH", `/objectives/${ids.objective}`, { description: "Edit B", version }),
    ]);
    expect([first.status, second.status].sort(), JSON.stringify([first.body, second.body])).toEqual([200, 409]);
    const loser = first.status === 409 ? first : second;
    expect(loser.body.error.id).toBe("conflict");
    // Many writers on one version: exactly one wins, every time.
    for (let round = 0; round < 5; round += 1) {
      const at = ok(await api(alice, "GET", `/objectives/${ids.objective}`)).version;
      const replies = await Promise.all([1, 2, 3, 4].map((n) => api(alice, "PATCH", `/objectives/${ids.objective}`, { description: `writer ${n}`, version: at })));
      expect(replies.map((r) => r.status).sort(), JSON.stringify(replies.map((r) => r.body))).toEqual([200, 409, 409, 409]);
    }
    expect((await api(alice, "PATCH", `/objectives/${ids.objective}`, { title: "Stale" }, { "If-Match": etag })).status).toBe(409);
    const fresh = await api(alice, "GET", `/objectives/${ids.objective}`);
    ok(await api(alice, "PATCH", `/objectives/${ids.objective}`, { title: "Fresh" }, { "If-Match": fresh.headers.get("etag")! }));
    const kr = ok(await api(alice, "GET", `/key-results/${ids.krPercent}`));
    ok(await api(alice, "PATCH", `/key-results/${ids.krPercent}`, { weight: 3, version: kr.version }));
    expect((await api(alice, "PATCH", `/key-results/${ids.krPercent}`, { weight: 4, version: kr.version })).status).toBe(409);
  });

  it("refuses alignment cycles with a clear error", async () => {
    const parent = ok(await api(alice, "POST", "/objectives", { title: "Parent", periodId }), 201);
    const child = ok(await api(alice, "POST", "/objectives", { title: "Child", periodId, parents: [{ type: "objective", id: parent.id }] }), 201);
    const loop = await api(alice, "PATCH", `/objectives/${parent.id}`, { parents: [{ type: "objective", id: child.id }], version: parent.version });
    expect(loop.status).toBe(400);
    expect(loop.body.error).toMatchObject({ id: "alignment_cycle", details: { cycle: [parent.id, child.id, parent.id] } });
    const toOwnKr = await api(alice, "PATCH", `/objectives/${ids.objective}`, { parents: [{ type: "keyResult", id: ids.krMetric }], version: ok(await api(alice, "GET", `/objectives/${ids.objective}`)).version });
    expect(toOwnKr.body.error.id).toBe("alignment_cycle");
    const children = ok(await api(alice, "GET", `/objectives?parentId=${parent.id}`));
    expect(children.items.map((o: { id: string }) => o.id)).toEqual([child.id]);
    const feed = ok(await api(alice, "GET", `/objectives/${child.id}/activity`));
    expect(feed.items[0].kind).toBe("created");
  });
});

describe("nothing is lost or half-written when a request fails", () => {
  it("a check-in on a stale version is refused whole; retrying with the same id records it once", async () => {
    const kr = ok(await api(alice, "GET", `/key-results/${ids.krMetric}`));
    const checkInId = randomUUID();
    const stale = await api(alice, "POST", `/key-results/${ids.krMetric}/check-ins`, { id: checkInId, value: 260, version: kr.version - 1 });
    expect(stale.status).toBe(409);
    expect(ok(await api(alice, "GET", `/key-results/${ids.krMetric}`))).toMatchObject({ current: kr.current, version: kr.version });
    const retry = ok(await api(alice, "POST", `/key-results/${ids.krMetric}/check-ins`, { id: checkInId, value: 260, version: kr.version }), 201);
    expect(retry.keyResult.current).toBe(260);
    const again = await api(alice, "POST", `/key-results/${ids.krMetric}/check-ins`, { id: checkInId, value: 260 });
    expect(again.status).toBe(200);
    const history = ok(await api(alice, "GET", `/key-results/${ids.krMetric}/check-ins`));
    expect(history.items.filter((c: { id: string }) => c.id === checkInId)).toHaveLength(1);
  });

  it("a store failure between the check-in and the KR update shows nothing; the retry completes it", async () => {
    const before = ok(await api(alice, "GET", `/key-results/${ids.krMetric}/check-ins`)).items.length;
    const checkInId = randomUUID();
    const spy = vi.spyOn(pacer.okr.store.keyResults, "update").mockRejectedValueOnce(new Error("connection reset"));
    const failed = await api(alice, "POST", `/key-results/${ids.krMetric}/check-ins`, { id: checkInId, value: 280 });
    spy.mockRestore();
    expect(failed.status).toBe(500);
    expect(ok(await api(alice, "GET", `/key-results/${ids.krMetric}`)).current).toBe(260);
    expect(ok(await api(alice, "GET", `/key-results/${ids.krMetric}/check-ins`)).items).toHaveLength(before);
    ok(await api(alice, "POST", `/key-results/${ids.krMetric}/check-ins`, { id: checkInId, value: 280 }), 201);
    expect(ok(await api(alice, "GET", `/key-results/${ids.krMetric}`)).current).toBe(280);
    expect(ok(await api(alice, "GET", `/key-results/${ids.krMetric}/check-ins`)).items).toHaveLength(before + 1);
  });

  it("a failure after the KR update keeps the check-in visible as history; the retry finishes the feed", async () => {
    const checkInId = randomUUID();
    const spy = vi.spyOn(pacer.okr.store.checkIns, "update").mockRejectedValueOnce(new Error("connection reset"));
    expect((await api(alice, "POST", `/key-results/${ids.krMetric}/check-ins`, { id: checkInId, value: 290 })).status).toBe(500);
    spy.mockRestore();
    const history = ok(await api(alice, "GET", `/key-results/${ids.krMetric}/check-ins`));
    expect(history.items[0]).toMatchObject({ id: checkInId, value: 290 });
    ok(await api(alice, "POST", `/key-results/${ids.krMetric}/check-ins`, { id: checkInId, value: 290 }), 201);
    const feed = ok(await api(alice, "GET", `/key-results/${ids.krMetric}/activity?limit=100`));
    expect(feed.items.filter((a: { id: string }) => a.id === checkInId)).toHaveLength(1);
  });

  it("an objective whose KR fails validation creates nothing; a failing KR insert leaves nothing visible", async () => {
    const count = async () => ok(await api(alice, "GET", "/objectives?limit=100")).items.length;
    const before = await count();
    const invalid = await api(alice, "POST", "/objectives", { title: "Half", periodId, keyResults: [krs[0], { title: "bad owner", ownerUserId: randomUUID(), measurement: { kind: "percent" } }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0].path).toBe("keyResults.1.ownerUserId");
    const krStore = pacer.okr.store.keyResults;
    const realInsert = krStore.insert.bind(krStore);
    let inserts = 0;
    const spy = vi.spyOn(krStore, "insert").mockImplementation((...args) => (++inserts === 2 ? Promise.reject(new Error("disk full")) : realInsert(...args)));
    expect((await api(alice, "POST", "/objectives", { title: "Half", periodId, keyResults: krs })).status).toBe(500);
    spy.mockRestore();
    expect(await count()).toBe(before);
  });
});

describe("close, score, carry over, late check-ins", () => {
  it("closes with a score, refuses check-ins after, carries over once without check-ins", async () => {
    const objective = ok(await api(alice, "GET", `/objectives/${ids.objective}`));
    const closed = ok(await api(alice, "POST", `/objectives/${ids.objective}/close`, { note: "done", version: objective.version }));
    expect(closed.state).toBe("closed");
    expect(closed.score).toBeGreaterThan(0);
    expect(closed.keyResults.find((k: { id: string }) => k.id === ids.krMetric).score).toBe(0.95);
    const after = await api(alice, "POST", `/key-results/${ids.krMetric}/check-ins`, { value: 300 });
    expect(after.status).toBe(409);
    expect(after.body.error.id).toBe("objective_closed");
    const next = ok(await api(alice, "POST", "/periods", { quarter: quarterShift(new Date(), 1).key }), 201);
    const copy = ok(await api(alice, "POST", `/objectives/${ids.objective}/carry-over`, { periodId: next.id }), 201);
    expect(copy).toMatchObject({ periodId: next.id, carriedFromId: ids.objective, state: "active", score: null });
    expect(copy.keyResults).toHaveLength(4);
    expect(copy.keyResults[1]).toMatchObject({ current: 100, lastCheckIn: null, measurement: { target: 300 } });
    expect((await api(alice, "POST", `/objectives/${ids.objective}/carry-over`, { periodId: next.id })).status).toBe(409);
  });

  it("flags check-ins made after the period ended", async () => {
    const past = ok(await api(owner, "POST", "/periods", { name: "Sprint 0", startDate: "2020-01-01", endDate: "2020-01-31" }), 201);
    expect((await api(alice, "POST", "/periods", { name: "Mine", startDate: "2020-01-01", endDate: "2020-01-31" })).status).toBe(403);
    const objective = ok(await api(alice, "POST", "/objectives", { title: "Old", periodId: past.id, keyResults: [krs[0]] }), 201);
    const reply = ok(await api(alice, "POST", `/key-results/${objective.keyResults[0].id}/check-ins`, { value: 10 }), 201);
    expect(reply.checkIn.late).toBe(true);
    expect(reply.keyResult.lastCheckIn.late).toBe(true);
  });
});

describe("projects, pagination, export, organisation, OpenAPI", () => {
  it("projects roll up their tasks", async () => {
    const closedObjective = await api(alice, "POST", "/projects", { title: "Late plan", keyResultId: ids.krPercent });
    expect(closedObjective.body.error.id).toBe("objective_closed");
    const kr = ok(await api(alice, "POST", "/key-results", { objectiveId: ids.teamObjective, title: "Signed deals", measurement: { kind: "metric", start: 0, target: 10 } }), 201);
    const project = ok(await api(alice, "POST", "/projects", { title: "Launch plan", keyResultId: kr.id, tasks: [{ title: "a" }, { title: "b", done: true }] }), 201);
    expect(project).toMatchObject({ objectiveId: ids.teamObjective, keyResultId: kr.id, progress: 50 });
    const open = ok(await api(alice, "POST", "/projects", { title: "Team plan", objectiveId: ids.teamObjective, tasks: [{ title: "a" }] }), 201);
    const added = ok(await api(alice, "POST", `/projects/${open.id}/tasks`, { title: "b", assigneeId: ids.bob }), 201);
    const done = ok(await api(alice, "PATCH", `/projects/${open.id}/tasks/${added.tasks[1].id}`, { done: true, version: added.version }));
    expect(done.progress).toBe(50);
    expect((await api(bob, "PATCH", `/projects/${open.id}`, { title: "x", version: done.version })).status).toBe(403);
  });

  it("pages with an opaque cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = ok(await api(alice, "GET", `/objectives?limit=2${cursor ? `&cursor=${cursor}` : ""}`));
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((o) => o.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(ok(await api(alice, "GET", "/objectives?limit=100")).items.length);
    expect((await api(alice, "GET", "/objectives?cursor=garbage")).body.error.details[0].path).toBe("cursor");
    const found = ok(await api(alice, "GET", "/objectives?q=team%20GOAL"));
    expect(found.items.map((o: { id: string }) => o.id)).toEqual([ids.teamObjective]);
  });

  it("exports a period as CSV", async () => {
    const reply = await api(alice, "GET", `/export/okrs.csv?periodId=${periodId}`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toContain("text/csv");
    const lines = (reply.body as string).trim().split("\r\n");
    expect(lines[0]).toMatch(/^type,objective_id,key_result_id,title/);
    expect(lines.some((l) => l.startsWith("key_result,") && l.includes("Users 100 → 300"))).toBe(true);
  });

  it("the owner renames the organisation; roles follow the rules", async () => {
    const org = ok(await api(owner, "GET", "/organization"));
    expect((await api(alice, "PATCH", "/organization", { name: "Nope", version: org.version })).status).toBe(403);
    expect(ok(await api(owner, "PATCH", "/organization", { name: "Acme", version: org.version })).name).toBe("Acme");
    expect((await api(alice, "PATCH", `/users/${ids.bob}/role`, { orgRole: "admin" })).status).toBe(403);
    ok(await api(owner, "PATCH", `/users/${ids.alice}/role`, { orgRole: "admin" }));
    expect((await api(alice, "PATCH", `/users/${ids.bob}/role`, { orgRole: "owner" })).status).toBe(403);
    expect((await api(owner, "PATCH", `/users/${ids.owner}/role`, { orgRole: "member" })).status).toBe(409);
    expect(ok(await api(bob, "GET", "/users")).items).toHaveLength(3);
  });

  it("publishes the OpenAPI document without authentication", async () => {
    const doc = ok(await api(undefined, "GET", "/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/objectives/{id}"].patch.requestBody.content["application/json"].schema.properties).toHaveProperty("title");
    expect(doc.paths["/key-results/{id}/check-ins"].post.responses["201"]).toBeDefined();
    expect(doc.paths["/objectives"].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["periodId", "owner", "teamId", "q", "cursor", "limit"]));
  });
});
