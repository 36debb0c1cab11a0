import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { assertTabBuilt, launchChromium, screenshot, openDesktopPage } from "../support/browser.js";
import { startTestPacer, type TestPacer } from "../support/testPacer.js";

/** Projects in the personal tab (dev sign-in as Dana, owner of the demo organisation). */
describe("projects in the personal tab (browser, dev sign-in)", () => {
  let pacer: TestPacer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  const title = `E2E project ${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    assertTabBuilt();
    pacer = await startTestPacer();
    await loadDemoOrganization(pacer.store);
    browser = await launchChromium();
    ({ page, pageErrors } = await openDesktopPage(browser));
  });

  afterAll(async () => {
    await browser?.close();
    await pacer?.close();
  });

  it("creates a project under an objective, adds two tasks, ticks one: 50 %, kept after a reload", async () => {
    await page.goto(`${pacer.url}/tab/#/my`);
    const objective = page.getByTestId("objective").first();
    await objective.waitFor();
    await objective.getByRole("button", { name: /^Expand / }).click();
    await objective.getByRole("button", { name: /^New project under / }).click();

    const dialog = page.getByTestId("project-dialog");
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.getByText("Give the project a title.").waitFor();
    await dialog.getByLabel("Title").fill(title);
    await dialog.getByLabel("Description").fill("Made by the e2e test");
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.waitFor({ state: "detached" });

    const row = objective.getByTestId("project").filter({ hasText: title });
    await row.getByText("0 of 0 tasks done").waitFor();
    await row.getByRole("link", { name: title }).click();
    await expect.poll(() => page.url()).toContain("#/project/");
    await page.getByRole("heading", { name: title }).waitFor();

    for (const task of ["Write the plan", "Ship it"]) {
      await page.getByLabel("New task").fill(task);
      await page.getByRole("button", { name: "Add task", exact: true }).click();
      await page.getByRole("checkbox", { name: `Done: ${task}` }).waitFor();
    }
    await page.getByRole("checkbox", { name: "Done: Write the plan" }).check();
    const bar = page.getByRole("progressbar", { name: `Progress of ${title}` });
    await expect.poll(() => bar.getAttribute("aria-valuenow")).toBe("50");
    await expect.poll(() => page.getByTestId("task-count").textContent()).toBe("1 of 2 tasks done");
    // Wait until the server has answered (the tick is shown at once), then reload.
    await expect.poll(() => page.getByTestId("notice").count()).toBe(0);
    await page.waitForLoadState("networkidle");

    await page.reload();
    await page.getByRole("heading", { name: title }).waitFor();
    await expect.poll(() => page.getByRole("progressbar", { name: `Progress of ${title}` }).getAttribute("aria-valuenow")).toBe("50");
    expect(await page.getByRole("checkbox", { name: "Done: Write the plan" }).isChecked()).toBe(true);
    expect(await page.getByRole("checkbox", { name: "Done: Ship it" }).isChecked()).toBe(false);
    await screenshot(page, "project");
    expect(pageErrors).toEqual([]);
  }, 20_000);
});
