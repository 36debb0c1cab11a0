import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { assertTabBuilt, launchChromium, screenshot, openDesktopPage } from "../support/browser.js";
import { startTestPacer, type TestPacer } from "../support/testPacer.js";

/** The personal tab in a plain browser (dev sign-in as Dana, owner of the demo organisation). */
describe("personal tab (browser, dev sign-in)", () => {
  let pacer: TestPacer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  const title = `E2E ship the tab ${randomUUID().slice(0, 6)}`;
  const krTitle = "Close 50 support tickets";

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

  const objectiveCard = () => page.locator('[data-testid="objective"]', { has: page.getByRole("heading", { name: title }) });

  it("signs in with dev sign-in and browses my and the organisation's OKRs", async () => {
    await page.goto(`${pacer.url}/tab/#/my`);
    await expect.poll(() => page.getByTestId("signed-in").textContent()).toContain("Dana Demo");
    await page.getByTestId("objective").first().waitFor();
    const mine = await page.getByTestId("objective").count();
    expect(mine).toBeGreaterThan(0);

    await page.getByRole("tab", { name: "Organisation" }).click();
    await expect.poll(() => page.url()).toContain("#/org");
    await expect.poll(() => page.getByTestId("objective").count()).toBeGreaterThan(mine);

    // Search narrows the list on the server.
    await page.getByRole("searchbox", { name: "Search objectives" }).fill("reliab");
    await expect.poll(async () => (await page.getByRole("heading", { level: 3 }).allTextContents()).every((t) => /reliab/i.test(t))).toBe(true);
    await page.getByRole("searchbox", { name: "Search objectives" }).fill("");

    // Status filter: only behind objectives keep their "Behind" badge.
    await page.getByLabel("Status").selectOption("behind");
    await expect.poll(async () => [...new Set(await page.getByTestId("status").allTextContents())]).toEqual(["Behind"]);
    await page.getByLabel("Status").selectOption("");

    // Expanding shows KRs with progress bars that know their expected progress.
    const first = page.getByTestId("objective").first();
    await first.getByRole("button", { name: /^Expand / }).click();
    const bar = first.getByTestId("kr").first().getByRole("progressbar");
    expect(await bar.getAttribute("aria-valuetext")).toMatch(/expected \d+ %/);
    await screenshot(page, "org-okrs");
  });

  it("creates an objective and a metric key result, showing local and API field errors without losing input", async () => {
    await page.goto(`${pacer.url}/tab/#/my`);
    await page.getByRole("button", { name: "New objective" }).click();
    const dialog = page.getByTestId("objective-dialog");
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.getByText("Give the objective a title.").waitFor();

    // The API's field errors land next to the field; what was typed stays.
    await page.route("**/api/v1/objectives", (route) =>
      route.request().method() === "POST"
        ? route.fulfill({ status: 400, contentType: "application/json", body: JSON.stringify({ error: { id: "invalid_request", message: "The request body is invalid.", details: [{ path: "title", message: "the server refuses this title" }] } }) })
        : route.fallback(),
    );
    await dialog.getByLabel("Title").fill(title);
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.getByText("the server refuses this title").waitFor();
    expect(await dialog.getByLabel("Title").inputValue()).toBe(title);
    await page.unroute("**/api/v1/objectives");

    await dialog.getByRole("button", { name: "Create" }).click();
    await page.getByTestId("notice").getByText(`Created “${title}”`).waitFor();
    await objectiveCard().waitFor();

    await objectiveCard().getByRole("button", { name: `Actions for ${title}` }).click();
    await page.getByRole("menuitem", { name: "Add key result" }).click();
    const kr = page.getByTestId("kr-dialog");
    await kr.getByLabel("Title").fill(krTitle);
    await kr.getByRole("radio", { name: "Metric" }).check();
    await kr.getByLabel("Start").fill("0");
    await kr.getByLabel("Target").fill("0");
    await kr.getByRole("button", { name: "Add key result" }).click();
    await kr.getByText("The target must differ from the start.").waitFor();
    await kr.getByLabel("Target").fill("50");
    await kr.getByLabel("Unit").fill("tickets");
    await kr.getByRole("button", { name: "Add key result" }).click();
    await objectiveCard().getByRole("link", { name: krTitle }).waitFor();
    expect(await objectiveCard().getByTestId("kr").textContent()).toContain("0 → 50 tickets");
  });

  it("checks in, then sees progress, the chart and the feed, and comments", async () => {
    await objectiveCard().getByRole("button", { name: `Check in on ${krTitle}` }).click();
    const dialog = page.getByTestId("checkin-dialog");
    await dialog.getByLabel(/New value/).fill("25");
    await dialog.getByLabel("Note").fill("Half way there");
    await dialog.getByRole("button", { name: "Check in" }).click();
    await page.getByTestId("notice").getByText("Checked in 25 tickets").waitFor();
    const bar = objectiveCard().getByTestId("kr").getByRole("progressbar");
    await expect.poll(() => bar.getAttribute("aria-valuenow")).toBe("50");
    await expect.poll(() => objectiveCard().getByRole("progressbar").first().getAttribute("aria-valuenow")).toBe("50");

    await objectiveCard().getByRole("link", { name: krTitle }).click();
    await page.getByRole("heading", { name: krTitle }).waitFor();
    await page.getByTestId("chart").waitFor();
    expect(await page.getByTestId("kr-value").textContent()).toBe("25 tickets");
    await page.locator('[data-testid="feed-entry"][data-kind="check_in"]').first().waitFor();
    await page.getByRole("list", { name: "Check-in history" }).getByText("Half way there").waitFor();

    await page.getByLabel("Add a comment").fill("Great pace, keep going");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator('[data-testid="feed-entry"][data-kind="comment"]', { hasText: "Great pace, keep going" }).waitFor();
    await expect.poll(() => page.getByLabel("Add a comment").inputValue()).toBe("");

    // Persisted: a reload shows the same comment.
    await page.reload();
    await page.locator('[data-testid="feed-entry"][data-kind="comment"]', { hasText: "Great pace, keep going" }).waitFor();
    await page.getByTestId("chart").waitFor();
    await screenshot(page, "kr-detail");
  });

  it("keeps what was typed and reloads when the objective was changed elsewhere (409)", async () => {
    await page.goto(`${pacer.url}/tab/#/my`);
    await objectiveCard().waitFor();
    const id = await objectiveCard().getAttribute("data-objective-id");
    // Someone else edits it after the page loaded.
    const current = (await (await pacer.request(`/api/v1/objectives/${id}`, { as: {} })).json()) as { version: number };
    const changed = await pacer.request(`/api/v1/objectives/${id}`, { method: "PATCH", as: {}, json: { description: "edited elsewhere", version: current.version } });
    expect(changed.status).toBe(200);

    await objectiveCard().getByRole("button", { name: `Actions for ${title}` }).click();
    await page.getByRole("menuitem", { name: "Edit" }).click();
    const dialog = page.getByTestId("objective-dialog");
    await dialog.getByLabel("Description").fill("my own words");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByTestId("form-error").getByText(/changed elsewhere/).waitFor();
    expect(await dialog.getByLabel("Description").inputValue()).toBe("my own words");
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByTestId("notice").getByText(`Saved “${title}”`).waitFor();
    const saved = (await (await pacer.request(`/api/v1/objectives/${id}`, { as: {} })).json()) as { description: string };
    expect(saved.description).toBe("my own words");
  });

  it("closes with a score and carries over to another period", async () => {
    await objectiveCard().getByRole("button", { name: `Actions for ${title}` }).click();
    await page.getByRole("menuitem", { name: "Close and score" }).click();
    const close = page.getByTestId("close-dialog");
    await close.getByLabel(/Score/).fill("0.7");
    await close.getByRole("button", { name: "Close objective" }).click();
    await page.getByTestId("notice").getByText("with score 0.7").waitFor();
    await objectiveCard().getByText("Closed", { exact: true }).waitFor();

    await objectiveCard().getByRole("button", { name: `Actions for ${title}` }).click();
    await page.getByRole("menuitem", { name: "Carry over" }).click();
    const carry = page.getByTestId("carry-dialog");
    await carry.getByRole("button", { name: "Carry over" }).click();
    await page.getByTestId("notice").getByText(`Carried “${title}” over`).waitFor();
  });

  it("lists the integrations on the admin page and lets an admin enable one", async () => {
    await page.goto(`${pacer.url}/tab/#/admin`);
    const item = page.getByTestId("integration").filter({ hasText: "Web JSON" });
    await item.getByText("Web JSON · disabled").waitFor();
    await item.getByRole("button", { name: "Enable Web JSON" }).click();
    await item.getByText("Web JSON · enabled").waitFor();
    await screenshot(page, "admin");
  });

  it("refuses a member the admin-only actions", async () => {
    const member = await browser.newPage({ viewport: { width: 1024, height: 800 } });
    const oid = randomUUID();
    await member.goto(`${pacer.url}/tab/?as=${oid}&name=Mia%20Member#/admin`);
    await expect.poll(() => member.getByTestId("signed-in").textContent()).toContain("Mia Member");
    await member.getByTestId("admin-readonly").waitFor();
    expect(await member.getByLabel("Role of Dana Demo").isDisabled()).toBe(true);
    // Members see the catalogue without enable/disable (data sources: tests/e2e/dataSources.test.ts).
    await member.getByTestId("data-sources").waitFor();
    await member.getByTestId("integration").first().waitFor();
    expect(await member.getByRole("button", { name: /^(Enable|Disable) / }).count()).toBe(0);

    // The server refuses too, whatever the UI offers.
    const refused = await member.evaluate(async (oid) => {
      const { token } = (await (await fetch("/api/v1/auth/dev-token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ oid }) })).json()) as { token: string };
      const me = (await (await fetch("/api/v1/me", { headers: { authorization: `Bearer ${token}` } })).json()) as { user: { id: string } };
      const response = await fetch(`/api/v1/users/${me.user.id}/role`, { method: "PATCH", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ orgRole: "admin" }) });
      return { status: response.status, body: (await response.json()) as { error: { id: string } } };
    }, oid);
    expect(refused).toMatchObject({ status: 403, body: { error: { id: "forbidden" } } });

    // No actions menu on someone else's objectives.
    await member.goto(`${pacer.url}/tab/?as=${oid}&name=Mia%20Member#/org`);
    await member.getByTestId("objective").first().waitFor();
    expect(await member.getByRole("button", { name: /^Actions for / }).count()).toBe(0);
    await screenshot(member, "admin-member");
    await member.close();
  });

  it("renders the dark theme and a phone-width layout", async () => {
    const dark = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await dark.goto(`${pacer.url}/tab/?theme=dark#/org`);
    await dark.getByTestId("objective").first().waitFor();
    expect(await dark.locator("[data-theme]").first().getAttribute("data-theme")).toBe("dark");
    const background = await dark.locator("[data-theme]").first().evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r = 255, g = 255, b = 255] = (background.match(/\d+/g) ?? []).map(Number);
    expect(r + g + b).toBeLessThan(200);
    await screenshot(dark, "org-dark");

    await dark.setViewportSize({ width: 380, height: 800 });
    await dark.goto(`${pacer.url}/tab/#/my`);
    await dark.getByTestId("objective").first().waitFor();
    const overflow = await dark.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(dark, "my-mobile");
    await dark.close();
    expect(pageErrors).toEqual([]);
  });
});
