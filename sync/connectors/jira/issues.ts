import type { ItemNode } from "../../../core/integrations/contract.js";
import { itemTrees } from "../itemTree.js";
import type { JiraIssue } from "./client.js";

export const MAX_LEVELS = 3;

/**
 * Pacer's state from the status category (every Jira status has one: new, indeterminate, done;
 * "undefined" is the "No category" of broken workflows and counts as in progress).
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-workflow-status-categories/
 */
export function issueState(issue: JiraIssue): ItemNode["state"] {
  switch (issue.fields.status?.statusCategory?.key) {
    case "done":
      return "done";
    case "new":
      return "proposed";
    default:
      return "in_progress";
  }
}

/**
 * The JQL's issues as a tree through the `parent` field (epic → child issue → sub-task), in the
 * JQL's order. An issue whose parent is not among the results is a root; levels below
 * `maxLevels` are left out. Each node carries its rolled-up progress.
 */
export function issueTree(issues: readonly JiraIssue[], urlOf: (key: string) => string, maxLevels = MAX_LEVELS): ItemNode[] {
  const byKey = new Map(issues.map((i) => [i.key, i]));
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const issue of byKey.values()) {
    const parent = issue.fields.parent?.key;
    if (parent && parent !== issue.key && byKey.has(parent)) children.set(parent, [...(children.get(parent) ?? []), issue.key]);
    else roots.push(issue.key);
  }
  return itemTrees(roots, children, maxLevels, (key) => {
    const issue = byKey.get(key);
    return issue && { id: key, title: `${key} ${issue.fields.summary ?? ""}`.trim(), state: issueState(issue), url: urlOf(key) };
  });
}
