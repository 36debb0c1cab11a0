import { describe, expect, it } from "vitest";
import type { ItemNode } from "../../../core/integrations/contract.js";
import azuredevops, { connectionName } from "../../../sync/connectors/azuredevops/index.js";
import { projectTasksFromItems } from "../../../sync/connectors/azuredevops/projectTasks.js";
import { buildTree, chunk, itemState, type QueryLink, rollUp, tally, treeProgress, uniqueIds, type WorkItem } from "../../../sync/connectors/azuredevops/workItems.js";
import { definitionProblem } from "../../../sync/connectors/registry.js";

const categories = new Map([
  ["new", "Proposed"],
  ["active", "InProgress"],
  ["resolved", "Resolved"],
  ["closed", "Completed"],
  ["removed", "Removed"],
]);
const renamed = new Map([
  ["idea", "Proposed"],
  ["shipped", "Completed"],
  ["dropped", "Removed"],
]);
const item = (id: number, state: string, type = "User Story"): WorkItem => ({ id, title: `#${id}`, state, type });
const node = (id: string, state: ItemNode["state"], children: ItemNode[] = []): ItemNode => ({ id, title: id, state, url: `u/${id}`, progress: null, children });

describe("azuredevops definition", () => {
  it("is a valid connector definition", () => {
    expect(definitionProblem(azuredevops, "azuredevops")).toBeNull();
  });

  it("validates connections: Services or Server, PAT or Entra (not Entra on Server)", () => {
    const c = azuredevops.schemas.connectionConfig;
    expect(c.parse({ organization: "fabrikam", project: "Fabrikam-Fiber" })).toEqual({ organization: "fabrikam", project: "Fabrikam-Fiber", auth: "pat" });
    expect(c.safeParse({ organization: "fabrikam", project: "P", serverUrl: "https://tfs.contoso.com/tfs/DefaultCollection" }).success).toBe(true);
    expect(c.safeParse({ organization: "fabrikam", project: "P", serverUrl: "https://tfs.contoso.com/tfs/DefaultCollection", auth: "entra" }).success).toBe(false);
    expect(c.safeParse({ organization: "fabrikam", project: "P", serverUrl: "ftp://x" }).success).toBe(false);
    expect(connectionName({ organization: "fabrikam", project: "Fabrikam-Fiber" })).toBe("fabrikam / Fabrikam-Fiber");
  });

  it("validates sources: a query id, the measure (default %), an optional type", () => {
    const s = azuredevops.schemas.sourceConfig;
    expect(s.parse({ queryId: "8a8c8212-15ca-41ed-97aa-1d6fbfbcd581" })).toEqual({ queryId: "8a8c8212-15ca-41ed-97aa-1d6fbfbcd581", measure: "percentCompleted" });
    expect(s.safeParse({ queryId: "not-a-guid" }).success).toBe(false);
    expect(s.safeParse({ queryId: "8a8c8212-15ca-41ed-97aa-1d6fbfbcd581", measure: "average" }).success).toBe(false);
  });
});

describe("state categories", () => {
  it("maps states through their type's category, case-insensitively", () => {
    expect(itemState(item(1, "Closed"), categories)).toBe("done");
    expect(itemState(item(1, "closed"), categories)).toBe("done");
    expect(itemState(item(1, "Resolved"), categories)).toBe("in_progress");
    expect(itemState(item(1, "New"), categories)).toBe("proposed");
    expect(itemState(item(1, "Removed"), categories)).toBe("removed");
  });

  it("works for renamed states of a custom process, and treats unknown states as in progress", () => {
    expect(itemState(item(1, "Shipped"), renamed)).toBe("done");
    expect(itemState(item(1, "Dropped"), renamed)).toBe("removed");
    expect(itemState(item(1, "Closed"), renamed)).toBe("in_progress");
    expect(itemState(item(1, "Closed"), undefined)).toBe("in_progress");
  });
});

describe("counting", () => {
  it("counts each item once, removed items leave the total, optional type filter", () => {
    const items = [item(1, "Closed"), item(1, "Closed"), item(2, "Active"), item(3, "Removed"), item(4, "Closed", "Bug")];
    expect(tally(items, () => categories)).toEqual({ total: 3, completed: 2, removed: 1 });
    expect(tally(items, () => categories, "bug")).toEqual({ total: 1, completed: 1, removed: 0 });
    expect(tally(items, () => categories, "Epic")).toEqual({ total: 0, completed: 0, removed: 0 });
  });

  it("collects tree and one-hop ids once, in order", () => {
    const links: QueryLink[] = [
      { rel: null, sourceId: null, targetId: 5 },
      { rel: "System.LinkTypes.Related", sourceId: 5, targetId: 7 },
      { rel: null, sourceId: null, targetId: 6 },
      { rel: "System.LinkTypes.Related", sourceId: 6, targetId: 7 },
    ];
    expect(uniqueIds(links)).toEqual([5, 7, 6]);
  });

  it("chunks ids by 200", () => {
    expect(chunk(Array.from({ length: 401 }, (_, i) => i), 200).map((c) => c.length)).toEqual([200, 200, 1]);
  });
});

describe("query tree and roll-up", () => {
  const F = "System.LinkTypes.Hierarchy-Forward";
  const items = new Map([1, 2, 3, 4, 5, 6].map((id) => [id, item(id, id === 4 || id === 6 ? "Closed" : "Active")]));
  const build = (links: QueryLink[], max?: number) =>
    buildTree(links, items, (i) => itemState(i, categories), (id) => `https://dev.azure.com/o/p/_workitems/edit/${id}`, max);

  it("keeps 3 levels, places each item once and links every node", () => {
    const tree = build([
      { rel: null, sourceId: null, targetId: 1 },
      { rel: F, sourceId: 1, targetId: 2 },
      { rel: F, sourceId: 2, targetId: 3 },
      { rel: F, sourceId: 3, targetId: 5 },
      { rel: F, sourceId: 1, targetId: 4 },
      { rel: null, sourceId: null, targetId: 4 },
    ]);
    expect(tree.map((n) => n.id)).toEqual(["1"]);
    expect(tree[0]!.children.map((n) => n.id)).toEqual(["2", "4"]);
    expect(tree[0]!.children[0]!.children[0]!.children).toEqual([]);
    expect(tree[0]!.url).toBe("https://dev.azure.com/o/p/_workitems/edit/1");
  });

  it("reads Hierarchy-Reverse links the other way round and finds roots of one-hop results without them", () => {
    const tree = build([
      { rel: "System.LinkTypes.Hierarchy-Reverse", sourceId: 2, targetId: 1 },
      { rel: F, sourceId: 1, targetId: 3 },
    ]);
    expect(tree.map((n) => [n.id, n.children.map((c) => c.id)])).toEqual([["1", ["2", "3"]]]);
  });

  it("leaves out work items deleted since the query ran", () => {
    const tree = build([
      { rel: null, sourceId: null, targetId: 1 },
      { rel: F, sourceId: 1, targetId: 99 },
    ]);
    expect(tree[0]!.children).toEqual([]);
  });

  it("rolls progress up: completed 100, otherwise the mean of non-removed children", () => {
    const tree = rollUp(
      node("epic", "in_progress", [
        node("f1", "in_progress", [node("s1", "done"), node("s2", "proposed"), node("s3", "removed")]),
        node("f2", "done", [node("s4", "proposed")]),
        node("f3", "removed", [node("s5", "done")]),
      ]),
    );
    expect(tree.children.map((c) => c.progress)).toEqual([50, 100, null]);
    expect(tree.progress).toBe(75);
    expect(treeProgress([tree, node("other", "proposed"), node("gone", "removed")])).toBe(37.5);
    expect(treeProgress([])).toBe(0);
  });

  it("maps the tree to project tasks, depth-first, without removed items, capped", () => {
    const tree = [node("1", "in_progress", [node("10", "done"), node("11", "removed", [node("110", "done")])]), node("2", "done")];
    const project = projectTasksFromItems(tree, "https://q", 2);
    expect(project.tasks.map((t) => [t.id, t.title, t.done, t.level, t.parentExternalId, t.url])).toEqual([
      ["ado-1", "1", false, 1, null, "u/1"],
      ["ado-10", "10", true, 2, "1", "u/10"],
    ]);
    expect(project.truncated).toBe(1);
    expect(project.progress).toBe(100);
  });
});
