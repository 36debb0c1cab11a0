import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { assertTabBuilt, launchChromium } from "../support/browser.js";
import { startTestPacer, type TestPacer } from "../support/testPacer.js";

const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Runs axe-core in the page; returns the serious and critical violations (WCAG 2.x A/AA rules). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axeSource });
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    // Fluent UI's focus manager (Tabster) adds invisible <i data-tabster-dummy> focus sentinels on
    // purpose; they are never announced, so they are left out of the audit.
    const result = await axe.run({ include: [["body"]], exclude: [["[data-tabster-dummy]"]] }, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations;
  })) as AxeViolation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

describe("accessibility of the main screens (axe-core, WCAG 2.1 A/AA)", () => {
  let pacer: TestPacer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    assertTabBuilt();
    pacer = await startTestPacer();
    await loadDemoOrganization(pacer.store);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await pacer?.close();
  });

  it.each([
    ["My OKRs, an objective expanded", "#/my", async (p: Page) => p.getByTestId("objective").first().getByRole("button", { name: /^Expand / }).click()],
    ["Organisation OKRs", "#/org", async (p: Page) => p.getByTestId("objective").first().waitFor()],
    ["Admin", "#/admin", async (p: Page) => p.getByRole("heading").first().waitFor()],
    ["Dark theme", "#/org?theme=dark", async (p: Page) => p.getByTestId("objective").first().waitFor()],
  ])("%s has no serious or critical violations", async (_name, route, ready) => {
    await page.goto(`${pacer.url}/tab/${route}`);
    await page.getByTestId("objective").first().or(page.getByRole("heading").first()).first().waitFor();
    await ready(page);
    await page.waitForTimeout(300);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
