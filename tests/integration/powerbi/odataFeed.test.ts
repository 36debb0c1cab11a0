import { randomUUID } from "node:crypto";
import { OData } from "@odata/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPacer, type TestPacer } from "../../support/testPacer.js";
import { childrenNamed, parseXml, type XmlElement } from "../../support/xml.js";
import { apiClient, person, ok } from "../okr/support.js";

let pacer: TestPacer;
let api: ReturnType<typeof apiClient>;
const tenant = randomUUID();
const owner = person(tenant, "Olga Owner");
const admin = person(tenant, "Ada Admin");
const members = [1, 2, 3, 4, 5, 6].map((n) => person(tenant, `Member ${n}`));
const stranger = person(randomUUID(), "Sid Stranger");
const ids: Record<string, string> = {};
const keys: Record<string, string> = {};
const queries: Record<string, { id: string; url: string }> = {};

interface FeedReply {
  status: number;
  headers: Headers;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** GET on the feed with the key as Power BI sends it (URL parameter), or as a bearer token. */
async function feed(url: string, key: string | undefined, options: { bearer?: boolean; headers?: Record<string, string> } = {}): Promise<FeedReply> {
  const target = new URL(url, pacer.url);
  const headers = new Headers(options.headers);
  if (key && options.bearer) headers.set("authorization", `Bearer ${key}`);
  else if (key) target.searchParams.set("ApiKey", key);
  const res = await fetch(target, { headers });
  const text = await res.text();
  const body = res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, text, body };
}

const path = (query: string, rest = "") => `/odata/${ids.org}/${queries[query]!.id}/${rest}`;
const objectiveRows = async (query: string, options: string) => (await feed(path(query, `Objectives?${options}`), keys.admin)).body;

beforeAll(async () => {
  pacer = await startTestPacer();
  api = apiClient(pacer);
  ids.owner = ok(await api(owner, "GET", "/me")).user.id;
  ids.org = ok(await api(owner, "GET", "/me")).organization.id;
  ids.admin = ok(await api(admin, "GET", "/me")).user.id;
  ids.stranger = ok(await api(stranger, "GET", "/me")).user.id;
  ids.strangerOrg = ok(await api(stranger, "GET", "/me")).organization.id;
  for (const [index, member] of members.entries()) ids[`m${index + 1}`] = ok(await api(member, "GET", "/me")).user.id;
  ok(await api(owner, "PATCH", `/users/${ids.admin}/role`, { orgRole: "admin" }));
  const periodId = ok(await api(owner, "GET", "/periods/current")).id;
  ok(await api(owner, "POST", "/teams", { name: "Sales", ownerIds: [ids.m1], memberIds: [ids.m2, ids.m3, ids.m4, ids.m5] }), 201);
  ok(await api(owner, "POST", "/teams", { name: "Ops", ownerIds: [ids.m6], memberIds: [] }), 201);
  for (const [index, member] of members.entries()) {
    const n = index + 1;
    ok(
      await api(admin, "PATCH", `/powerbi/people/${ids[`m${n}`]}`, n <= 5 ? { department: "Commercial", location: "Paris" } : { department: "Operations" }),
    );
    const objective = ok(
      await api(member, "POST", "/objectives", { title: `Objective ${n}`, periodId, keyResults: [{ title: `KR ${n}`, measurement: { kind: "percent" } }] }),
      201,
    );
    ok(await api(member, "POST", `/key-results/${objective.keyResults[0].id}/check-ins`, { value: n * 10 }), 201);
  }

  for (const [name, who] of Object.entries({ admin, member: members[0]!, stranger, revoked: admin })) {
    keys[name] = ok(await api(who, "POST", "/powerbi/api-keys", { name: `${name} key` }), 201).key;
  }
  const revokedId = ok(await api(admin, "GET", "/powerbi/api-keys")).items.find((k: { name: string }) => k.name === "revoked key").id;
  ok(await api(admin, "DELETE", `/powerbi/api-keys/${revokedId}`));

  const definitions = {
    aggregated: { name: "By team", attributes: ["Team"] },
    rowLevel: { name: "Rows", granularity: "rowLevel", attributes: ["Team", "Department"] },
    unpivoted: { name: "Rows unpivoted", granularity: "rowLevel", schemaType: "unpivoted", attributes: ["Team", "Department"], entitySets: ["Objectives"] },
  };
  for (const [name, body] of Object.entries(definitions)) {
    const created = ok(await api(admin, "POST", "/powerbi/queries", body), 201);
    queries[name] = { id: created.id, url: created.link.url };
  }
}, 120_000);
afterAll(async () => {
  await pacer?.close();
});

describe("admin endpoints", () => {
  it("saves queries with a link to paste into Power BI, and only admins may", async () => {
    const view = ok(await api(admin, "GET", `/powerbi/queries/${queries.aggregated!.id}`));
    expect(view).toMatchObject({
      granularity: "aggregated",
      schemaType: "pivoted",
      entitySets: ["Objectives", "KeyResults", "CheckIns"],
      link: { url: `${pacer.url}/odata/${ids.org}/${view.id}/`, partition: ids.org, query: view.id, apiKeyName: "ApiKey" },
    });
    expect((await api(members[0], "POST", "/powerbi/queries", { name: "Mine" })).status).toBe(403);
    expect((await api(admin, "POST", "/powerbi/queries", { name: "Bad", schemaType: "unpivoted", attributes: [] })).status).toBe(400);
    expect(ok(await api(owner, "GET", "/powerbi/settings"))).toMatchObject({ minimumGroupSize: 5, apiKeyName: "ApiKey", organizationId: ids.org });
  });

  it("shows a key once, then only its prefix", async () => {
    const list = ok(await api(admin, "GET", "/powerbi/api-keys")).items;
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const item of list) expect(item).not.toHaveProperty("key");
    expect(keys.admin!.startsWith(list[0].prefix)).toBe(true);
    expect(JSON.stringify(list)).not.toContain(keys.admin);
  });
});

describe("the OData feed", () => {
  it("serves the service document with OData-Version 4.0", async () => {
    const reply = await feed(queries.aggregated!.url, keys.member);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("odata-version")).toBe("4.0");
    expect(reply.headers.get("content-type")).toContain("odata.metadata=minimal");
    expect(reply.body).toEqual({
      "@odata.context": `${queries.aggregated!.url}$metadata`,
      value: ["Objectives", "KeyResults", "CheckIns"].map((name) => ({ name, kind: "EntitySet", url: name })),
    });
  });

  it("describes the row-level query in $metadata (golden), a well-formed CSDL document", async () => {
    const reply = await feed(path("rowLevel", "$metadata"), keys.admin);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toContain("application/xml");
    await expect(reply.text).toMatchFileSnapshot("./golden/rowLevel.metadata.xml");
    checkCsdl(parseXml(reply.text));
    const aggregated = await feed(path("aggregated", "$metadata"), keys.member);
    await expect(aggregated.text).toMatchFileSnapshot("./golden/aggregated.metadata.xml");
    checkCsdl(parseXml(aggregated.text));
    const unpivoted = parseXml((await feed(path("unpivoted", "$metadata"), keys.admin)).text);
    const type = unpivoted.children[1]!.children[0]!.children.find((c) => c.name === "EntityType")!;
    expect(childrenNamed(childrenNamed(type, "Key")[0]!, "PropertyRef").map((p) => p.attributes.Name)).toEqual(["Id", "AttributeName"]);
  });

  it("answers row-level rows to admins (golden JSON), marked as row-level", async () => {
    const reply = await feed(path("rowLevel", "Objectives?$select=Title,OwnerName,Team,Department,Progress,KeyResultCount&$orderby=Title"), keys.admin);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("pacer-data-granularity")).toBe("row-level");
    expect(reply.body["@odata.context"]).toBe(`${queries.rowLevel!.url}$metadata#Objectives(Title,OwnerName,Team,Department,Progress,KeyResultCount)`);
    await expect(JSON.stringify(reply.body.value, null, 2)).toMatchFileSnapshot("./golden/rowLevel.objectives.json");
  });

  it("refuses row-level data to members, even with a valid key", async () => {
    const reply = await feed(path("rowLevel", "Objectives"), keys.member);
    expect(reply.status).toBe(403);
    expect(reply.body.error).toMatchObject({ code: "forbidden", message: expect.stringContaining("row-level") });
    expect((await feed(path("rowLevel", "$metadata"), keys.member)).status).toBe(403);
  });

  it("pages with @odata.nextLink in a stable order, and honours $top across pages", async () => {
    const first = await feed(path("rowLevel", "Objectives?$select=Id,Title"), keys.admin, { headers: { prefer: "odata.maxpagesize=4" } });
    expect(first.headers.get("preference-applied")).toBe("odata.maxpagesize=4");
    expect(first.body.value).toHaveLength(4);
    const next = first.body["@odata.nextLink"] as string;
    expect(next).toContain("$skip=4");
    expect(next).not.toContain(keys.admin);
    const second = await feed(next, keys.admin, { bearer: true, headers: { prefer: "odata.maxpagesize=4" } });
    expect(second.body.value).toHaveLength(2);
    expect(second.body["@odata.nextLink"]).toBeUndefined();
    const all = [...first.body.value, ...second.body.value].map((r: { Id: string }) => r.Id);
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(6);

    const topped = await feed(path("rowLevel", "Objectives?$top=3&$skip=1&$orderby=Progress desc"), keys.admin, { headers: { prefer: "odata.maxpagesize=2" } });
    expect(topped.body.value.map((r: { Progress: number }) => r.Progress)).toEqual([50, 40]);
    const rest = await feed(topped.body["@odata.nextLink"], keys.admin, { headers: { prefer: "odata.maxpagesize=2" } });
    expect(rest.body.value.map((r: { Progress: number }) => r.Progress)).toEqual([30]);
    expect(rest.body["@odata.nextLink"]).toBeUndefined();
  });

  it.each([
    ["Progress eq 30", [30]],
    ["Progress ne 30", [10, 20, 40, 50, 60]],
    ["Progress gt 40", [50, 60]],
    ["Progress ge 40", [40, 50, 60]],
    ["Progress lt 20", [10]],
    ["Progress le 20", [10, 20]],
    ["Team eq 'Sales' and Progress ge 40", [40, 50]],
    ["Team eq 'Ops' or Progress eq 10", [10, 60]],
    ["(Team eq 'Ops' or Progress eq 10) and Department eq 'Operations'", [60]],
    ["Title eq 'Objective 2'", [20]],
    ["State eq 'active' and KeyResultCount eq 1 and Department ne null", [10, 20, 30, 40, 50, 60]],
    ["CreatedAt gt 2000-01-01T00:00:00Z and CreatedAt lt 2000-01-02T00:00:00Z", []],
  ])("$filter=%s", async (filter, progresses) => {
    const body = await objectiveRows("rowLevel", `$filter=${encodeURIComponent(filter)}&$orderby=Progress&$count=true`);
    expect(body.value.map((r: { Progress: number }) => r.Progress)).toEqual(progresses);
    expect(body["@odata.count"]).toBe(progresses.length);
  });

  it("counts with /$count and filters key results and check-ins too", async () => {
    const count = await feed(path("rowLevel", `Objectives/$count?$filter=${encodeURIComponent("Progress gt 15")}`), keys.admin);
    expect(count.text).toBe("5");
    const krs = (await feed(path("rowLevel", `KeyResults?$filter=${encodeURIComponent("MeasurementKind eq 'percent' and CurrentValue ge 50")}`), keys.admin)).body;
    expect(krs.value.map((r: { Title: string }) => r.Title).sort()).toEqual(["KR 5", "KR 6"]);
    const checkIns = (await feed(path("rowLevel", `CheckIns?$filter=${encodeURIComponent("Value lt 25 and Late eq false")}&$orderby=Value`), keys.admin)).body;
    expect(checkIns.value.map((r: { Value: number; AuthorName: string }) => [r.Value, r.AuthorName])).toEqual([
      [10, "Member 1"],
      [20, "Member 2"],
    ]);
  });

  it.each([
    ["Objectives?$expand=KeyResults", "$expand"],
    ["Objectives?$apply=groupby((Team))", "$apply"],
    ["Objectives?$search=win", "$search"],
    [`Objectives?$filter=${encodeURIComponent("contains(Title,'1')")}`, "functions"],
    [`Objectives?$filter=${encodeURIComponent("not (Progress eq 1)")}`, "'not'"],
    ["Objectives('x')", "single entities"],
  ])("answers 501 for %s", async (rest, message) => {
    const reply = await feed(path("rowLevel", rest), keys.admin);
    expect(reply.status).toBe(501);
    expect(reply.headers.get("odata-version")).toBe("4.0");
    expect(reply.body.error).toMatchObject({ code: "not_implemented", message: expect.stringContaining(message) });
  });

  it("answers 400 for a bad $filter, naming the option", async () => {
    const reply = await feed(path("rowLevel", `Objectives?$filter=${encodeURIComponent("Progress eq 'x'")}`), keys.admin);
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0]).toMatchObject({ target: "$filter" });
  });

  it("unpivots attributes into AttributeName / AttributeValue rows", async () => {
    const body = (await feed(path("unpivoted", `Objectives?$filter=${encodeURIComponent("Title eq 'Objective 6'")}&$select=Title,AttributeName,AttributeValue`), keys.admin)).body;
    expect(body.value).toEqual([
      { Title: "Objective 6", AttributeName: "Department", AttributeValue: "Operations" },
      { Title: "Objective 6", AttributeName: "Team", AttributeValue: "Ops" },
    ]);
  });
});

describe("read by an independent OData v4 client (@odata/client)", () => {
  const client = () =>
    OData.New4({ serviceEndpoint: queries.rowLevel!.url, commonHeaders: { authorization: `Bearer ${keys.admin}` } });

  it("queries an entity set with $filter, $orderby, $select and $top as the client builds them", async () => {
    const objectives = client().getEntitySet<{ Title: string; Progress: number }>("Objectives");
    const options = OData.newOptions()
      .filter(OData.newFilter().property("Progress").ge(30))
      .orderby("Progress", "desc")
      .select(["Title", "Progress"])
      .top(2);
    const rows = await objectives.query(options);
    expect(rows.map((r) => r.Progress)).toEqual([60, 50]);
    expect(Object.keys(rows[0]!).sort()).toEqual(["Progress", "Title"]);
  });

  it("counts through the client", async () => {
    const count = await client().getEntitySet("Objectives").count(OData.newFilter().property("Progress").gt(15));
    expect(count).toBe(5);
  });
});

describe("aggregated queries and the minimum group size", () => {
  const teams = async () =>
    (await feed(path("aggregated", "Objectives?$select=Team,PeopleCount,ObjectiveCount,KeyResultCount,AverageProgress&$orderby=Team"), keys.member)).body.value;

  it("shows a group at the threshold (5 people) and leaves out the one below it (golden JSON)", async () => {
    const reply = await feed(path("aggregated", "Objectives?$select=Team,PeopleCount,ObjectiveCount,KeyResultCount,AverageProgress,OnTrackCount,BehindCount,AtRiskCount&$orderby=Team"), keys.member);
    expect(reply.headers.get("pacer-data-granularity")).toBe("aggregated");
    const value = reply.body.value;
    expect(value.map((g: { Team: string; PeopleCount: number }) => [g.Team, g.PeopleCount])).toEqual([["Sales", 5]]);
    expect(value[0].OnTrackCount + value[0].BehindCount + value[0].AtRiskCount).toBe(5);
    await expect(JSON.stringify(value.map(({ OnTrackCount: _a, BehindCount: _b, AtRiskCount: _c, ...g }: Record<string, unknown>) => g), null, 2)).toMatchFileSnapshot(
      "./golden/aggregated.objectives.json",
    );
    const checkIns = (await feed(path("aggregated", "CheckIns"), keys.member)).body.value;
    expect(checkIns).toEqual([expect.objectContaining({ Team: "Sales", PeopleCount: 5, CheckInCount: 5, LateCount: 0 })]);
  });

  it("returns an empty set, not an error, when every group is below it, and says why in the admin preview", async () => {
    const settings = ok(await api(admin, "PATCH", "/powerbi/settings", { minimumGroupSize: 6 }));
    expect(settings.minimumGroupSize).toBe(6);
    const reply = await feed(path("aggregated", "Objectives"), keys.member);
    expect(reply.status).toBe(200);
    expect(reply.body.value).toEqual([]);
    const preview = ok(await api(admin, "GET", `/powerbi/queries/${queries.aggregated!.id}/preview`)).items;
    expect(preview[0]).toMatchObject({ entitySet: "Objectives", rows: 0, groups: 2, suppressedGroups: 2, explanation: expect.stringContaining("fewer than 6 people") });
    expect((await api(members[0], "PATCH", "/powerbi/settings", { minimumGroupSize: 1 })).status).toBe(403);
  });

  it("shows groups above it", async () => {
    ok(await api(admin, "PATCH", "/powerbi/settings", { minimumGroupSize: 4 }));
    expect((await teams()).map((g: { Team: string }) => g.Team)).toEqual(["Sales"]);
    ok(await api(admin, "PATCH", "/powerbi/settings", { minimumGroupSize: 1 }));
    expect((await teams()).map((g: { Team: string; PeopleCount: number }) => [g.Team, g.PeopleCount])).toEqual([
      ["Ops", 1],
      ["Sales", 5],
    ]);
    ok(await api(admin, "PATCH", "/powerbi/settings", { minimumGroupSize: 5 }));
  });
});

describe("API key rules", () => {
  it("accepts the key as a bearer token and refuses a missing or revoked key", async () => {
    expect((await feed(queries.aggregated!.url, keys.member, { bearer: true })).status).toBe(200);
    const missing = await feed(queries.aggregated!.url, undefined);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    const revoked = await feed(queries.aggregated!.url, keys.revoked);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toContain("revoked");
    expect((await feed(queries.aggregated!.url, "pacer_" + "x".repeat(43))).status).toBe(401);
  });

  it("refuses another organisation's partition, both ways", async () => {
    const foreign = await feed(queries.aggregated!.url, keys.stranger);
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toContain("another organisation");
    expect((await feed(`/odata/${ids.strangerOrg}/${queries.aggregated!.id}/`, keys.admin)).status).toBe(403);
    expect((await feed(`/odata/${ids.strangerOrg}/${queries.aggregated!.id}/`, keys.stranger)).status).toBe(404);
  });

  it("checks the key owner's role at request time", async () => {
    ok(await api(owner, "PATCH", `/users/${ids.admin}/role`, { orgRole: "member" }));
    expect((await feed(path("rowLevel", "Objectives"), keys.admin)).status).toBe(403);
    ok(await api(owner, "PATCH", `/users/${ids.admin}/role`, { orgRole: "admin" }));
    expect((await feed(path("rowLevel", "Objectives"), keys.admin)).status).toBe(200);
  });
});

/** Structural CSDL checks: EDMX 4.0 envelope, keys that name properties, Edm types, sets that name types. */
function checkCsdl(root: XmlElement): void {
  expect(root.name).toBe("edmx:Edmx");
  expect(root.attributes.Version).toBe("4.0");
  const schema = childrenNamed(childrenNamed(root, "edmx:DataServices")[0]!, "Schema")[0]!;
  expect(schema.attributes.xmlns).toBe("http://docs.oasis-open.org/odata/ns/edm");
  const types = new Map(childrenNamed(schema, "EntityType").map((t) => [`${schema.attributes.Namespace}.${t.attributes.Name}`, t]));
  expect(types.size).toBeGreaterThan(0);
  for (const type of types.values()) {
    const properties = childrenNamed(type, "Property");
    const names = properties.map((p) => p.attributes.Name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of properties) {
      expect(["Edm.String", "Edm.Double", "Edm.Int32", "Edm.Boolean", "Edm.Date", "Edm.DateTimeOffset"]).toContain(p.attributes.Type);
      expect(["true", "false"]).toContain(p.attributes.Nullable);
    }
    const refs = childrenNamed(childrenNamed(type, "Key")[0]!, "PropertyRef").map((r) => r.attributes.Name);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(names).toContain(ref);
      expect(properties.find((p) => p.attributes.Name === ref)!.attributes.Nullable).toBe("false");
    }
  }
  const container = childrenNamed(schema, "EntityContainer")[0]!;
  for (const set of childrenNamed(container, "EntitySet")) expect(types.has(set.attributes.EntityType!)).toBe(true);
}
