import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { seriousViolations } from "../support/axe.js";
import { assertTabBuilt, launchChromium } from "../support/browser.js";
import { startTestPacer, type TestPacer } from "../support/testPacer.js";

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
