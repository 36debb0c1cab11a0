import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../core/log/logger.js";
import { connectorsDir, definitionProblem, loadConnectorRegistry } from "../../../sync/connectors/registry.js";
import webjson, { pick, urlFor } from "../../../sync/connectors/webjson/index.js";
import zapier from "../../../sync/connectors/zapier/index.js";

const repo = path.resolve(connectorsDir, "..", "..");
const connectorIds = readdirSync(connectorsDir).filter((name) => statSync(path.join(connectorsDir, name)).isDirectory());

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(path.join(dir, e.name)) : e.name.endsWith(".test.ts") ? [path.join(dir, e.name)] : [],
  );
}

describe("every connector folder", () => {
  const tests = testFiles(path.join(repo, "tests")).map((file) => readFileSync(file, "utf8"));
  const readme = readFileSync(path.join(repo, "README.md"), "utf8");

  it.each(connectorIds)("%s loads as a valid definition", async (id) => {
    const registry = await loadConnectorRegistry(createLogger("silent"));
    expect(registry.get(id), `sync/connectors/${id} failed to load or is malformed (see the registry's log)`).toBeDefined();
  });

  it.each(connectorIds)("%s has tests under tests/ that mention its id", (id) => {
    const mentions = new RegExp(`connectors/${id}/|["'\`]${id}["'\`]`);
    expect(tests.some((source) => mentions.test(source)), `no *.test.ts under tests/ mentions the connector "${id}"`).toBe(true);
  });

  it.each(connectorIds)("%s has a README section naming it", async (id) => {
    const def = (await loadConnectorRegistry(createLogger("silent"))).get(id) ?? { displayName: id };
    const headings = readme.split("\n").filter((line) => /^#{2,4} /.test(line));
    expect(headings.some((h) => h.includes(def.displayName) || h.toLowerCase().includes(id)), `README.md has no heading naming ${def.displayName}`).toBe(true);
  });
});

describe("registry", () => {
  it("rejects malformed definitions with a reason", () => {
    expect(definitionProblem(undefined, "x")).toMatch(/default-export/);
    expect(definitionProblem({ ...webjson, id: "other" }, "webjson")).toMatch(/folder/);
    expect(definitionProblem({ ...webjson, category: "cloud" }, "webjson")).toMatch(/category/);
    expect(definitionProblem({ ...webjson, fetchValue: undefined }, "webjson")).toMatch(/fetchValue/);
    expect(definitionProblem(webjson, "webjson")).toBeNull();
    expect(definitionProblem(zapier, "zapier")).toBeNull();
  });
});

describe("Web JSON connector (webjson)", () => {
  it("picks dotted paths", () => {
    const doc = { data: { items: [{ count: 4 }, { count: "7" }] }, total: 12 };
    expect(pick(doc, "total")).toBe(12);
    expect(pick(doc, "$.data.items.1.count")).toBe("7");
    expect(pick(doc, "data.missing.x")).toBeUndefined();
  });

  it("joins paths under the base URL only", () => {
    expect(urlFor("http://h:1/api/", "/v1/x.json").href).toBe("http://h:1/api/v1/x.json");
    expect(urlFor("http://h:1/api", "").href).toBe("http://h:1/api");
  });

  it("validates its forms", () => {
    expect(webjson.schemas.connectionConfig.safeParse({ baseUrl: "ftp://x" }).success).toBe(false);
    expect(webjson.schemas.sourceConfig.safeParse({ path: "/a", valuePath: "a..b" }).success).toBe(false);
    expect(webjson.schemas.sourceConfig.safeParse({ valuePath: "a.b.0" }).success).toBe(true);
  });
});
