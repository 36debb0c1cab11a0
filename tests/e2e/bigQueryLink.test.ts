import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { DEMO_USER } from "../../core/auth/devTokens.js";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { simulateDryRun, simulateJobsQuery, simulateToken } from "../fixtures/bigquery/answers.js";
import { BIGQUERY_PROJECT, makeServiceAccountKey } from "../fixtures/bigquery/serviceAccountKey.js";
import { assertTabBuilt, launchChromium, screenshot, openDesktopPage } from "../support/browser.js";
import { guardNock } from "../support/nockGuard.js";
import { createObjective, startTestPacer, type TestPacer } from "../support/testPacer.js";

/**
 * BigQuery in the tab against a simulated Google (nock, in this process, where the test Pacer
 * runs; Chromium reaches Pacer over loopback): Dana, the demo organisation's owner, enables
 * BigQuery, tests and saves a connection with a service-account key, links a KR through the SQL
 * form (a syntax error, then a preview with the dry run's bytes), saves, refreshes to a new value,
 * and sees why a refresh fails.
 */
describe("BigQuery link (browser)", () => {
  let pacer: TestPacer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let krId = "";
  const query = "SELECT COUNT(*) AS signups FROM `pacer-analytics.shop.signups`";

  beforeAll(async () => {
    assertTabBuilt();
    pacer = await startTestPacer();
    await loadDemoOrganization(pacer.store);
    const as = { oid: DEMO_USER.oid, name: DEMO_USER.name };
    krId = (await createObjective(pacer, as, "Grow the shop", [{ title: "Shop sign-ups", measurement: { kind: "metric", start: 0, target: 100, unit: "signups", decimals: 0 } }]))[0]!;

    browser = await launchChromium();
    ({ page, pageErrors } = await openDesktopPage(browser, 10_000));
  });

  afterAll(async () => {
    await browser?.close();
    await pacer?.close();
  });

  guardNock("Google");

  it("an admin enables BigQuery and saves a connection after a successful test (the key never comes back)", async () => {
    await page.goto(`${pacer.url}/tab/#/admin`);
    const item = page.locator('[data-testid="integration"][data-integration="bigquery"]');
    await item.getByRole("button", { name: "Enable Google BigQuery" }).click();
    await item.getByText("Google BigQuery · enabled").waitFor();

    await page.getByRole("button", { name: "New Google BigQuery connection" }).click();
    const dialog = page.getByTestId("connection-dialog");
    await dialog.getByLabel("Connection name").fill("Analytics (prod)");
    await dialog.getByLabel("Project ID").fill(BIGQUERY_PROJECT);
    await dialog.getByLabel("Location").fill("US");
    await dialog.getByLabel("Service account key").fill(makeServiceAccountKey().json);
    simulateToken();
    simulateDryRun();
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await dialog.getByTestId("connection-test").getByText(`Connection works: Connected to BigQuery project ${BIGQUERY_PROJECT} (location US) as pacer-reader@`, { exact: false }).waitFor();
    // Once saved, the connection is tested again, so the list shows its status.
    simulateToken();
    simulateDryRun();
    await dialog.getByRole("button", { name: "Save connection" }).click();
    const row = item.getByTestId("connection").filter({ hasText: "Analytics (prod)" });
    await row.getByText("Shared").waitFor();
    await row.getByTestId("connection-status").getByText(/^OK · /).waitFor();
    expect(await page.content()).not.toContain("PRIVATE KEY");
  });

  it("links a KR through the SQL form: a syntax error shows Google's reason, the preview shows the value and the dry run's bytes", async () => {
    await page.goto(`${pacer.url}/tab/#/kr/${krId}`);
    await page.getByTestId("connect-data-source").click();
    const dialog = page.getByTestId("link-dialog");
    await dialog.getByLabel("Data source", { exact: true }).selectOption("bigquery");
    await expect.poll(() => dialog.getByLabel("Connection", { exact: true }).locator("option:checked").textContent()).toBe("Analytics (prod)");
    const sql = dialog.getByLabel("Query");
    // The SQL editor: a monospace text area, not a one-line input.
    expect(await sql.evaluate((el) => el.tagName)).toBe("TEXTAREA");
    expect(await sql.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/monospace$/);

    await sql.fill("SELECT COUNT(*) FORM shop.signups");
    simulateToken();
    simulateDryRun("error-invalid-query");
    await dialog.getByRole("button", { name: "Preview" }).click();
    await dialog.getByTestId("link-error").getByText('Preview failed: BigQuery refused the query (line 1, column 24): Syntax error: Expected end of input but got identifier "FORM"', { exact: false }).waitFor();

    await sql.fill(query);
    simulateToken();
    simulateDryRun();
    simulateJobsQuery("query-complete", "42");
    await dialog.getByRole("button", { name: "Preview" }).click();
    const preview = dialog.getByTestId("link-preview");
    await preview.getByText("Value now: 42").waitFor();
    // The dry run (free) runs first: what the query would scan, against the connection's limit.
    await preview.getByTestId("preview-details").getByText(/Dry run would scan 1\.2 MB \(limit 1 GB\)/).waitFor();
    await screenshot(page, "bigquery-link-preview");
    await dialog.getByRole("button", { name: "Save link" }).click();
    await dialog.waitFor({ state: "detached" });

    const panel = page.getByTestId("link-panel");
    await panel.getByText("Google BigQuery").waitFor();
    expect(await panel.locator("img").getAttribute("src")).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  it("refreshes to the new value BigQuery answers, then shows why a refresh fails and keeps the value", async () => {
    const panel = page.getByTestId("link-panel");
    simulateToken();
    simulateDryRun();
    simulateJobsQuery("query-complete", "57");
    await panel.getByRole("button", { name: "Refresh" }).click();
    await panel.getByTestId("refresh-result").getByText("Synced: 57", { exact: false }).waitFor();
    await expect.poll(() => page.getByTestId("kr-value").textContent()).toBe("57 signups");
    await panel.getByTestId("link-status").getByText(/synced · last synced/).waitFor();
    await screenshot(page, "bigquery-linked");

    simulateToken();
    simulateDryRun("error-access-denied");
    await panel.getByRole("button", { name: "Refresh" }).click();
    await panel.getByTestId("refresh-result").getByText(/Refresh failed: .*bigquery\.jobs\.create/).waitFor();
    await panel.getByTestId("link-failure").getByText(/bigquery\.jobs\.create/).waitFor();
    expect(await page.getByTestId("kr-value").textContent()).toBe("57 signups");
    expect(pageErrors).toEqual([]);
  });
});
