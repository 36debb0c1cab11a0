import nock from "nock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { DEMO_USER } from "../../core/auth/devTokens.js";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { clearExcelTokens } from "../../sync/connectors/excel/graph.js";
import { forgetSalesforceSessions } from "../../sync/connectors/salesforce/session.js";
import { CLIENT_ID, CLIENT_SECRET, DRIVE, ITEM, SHARING_LINK, TENANT, simulateNames, simulateRange, simulateShare, simulateToken, simulateWorksheets } from "../fixtures/excel/answers.js";
import * as filters from "../fixtures/jira/filters.js";
import * as search from "../fixtures/jira/search.js";
import { CONSUMER_KEY, MY_DOMAIN, PRIVATE_KEY, REPORT_ID, USERNAME, simulateJwtToken, simulateRecentReports, simulateReport } from "../fixtures/salesforce/simulate.js";
import { seriousViolations } from "../support/axe.js";
import { assertTabBuilt, launchChromium, screenshot, openDesktopPage } from "../support/browser.js";
import { guardNock } from "../support/nockGuard.js";
import { startTestPacer, type TestPacer } from "../support/testPacer.js";

/**
 * The link dialog's generic source picker with the connectors that list resources: Jira's saved
 * filters (favourites listed at once, picked with the keyboard, the filter's issue count), a
 * Salesforce report from the recently viewed, and an Excel workbook's worksheets from a pasted
 * sharing link (a link that does not resolve shows Graph's reason under the box and keeps the
 * text). The Excel connection is made in the form, where the app-only fields give way to Entra
 * sign-in. Vendors are simulated with nock in this process (tests/fixtures/{jira,salesforce,excel}).
 */
const as = { oid: DEMO_USER.oid, name: DEMO_USER.name };
const JIRA = "https://contoso.atlassian.net";
const JIRA_EMAIL = "mia@contoso.com";
const JIRA_TOKEN = "ATATT3xFfGF0-picker-token";
const COUNT_ALL = '(project = SHOP AND fixVersion = "2.0")';
const COUNT_DONE = `${COUNT_ALL} AND statusCategory = Done`;

describe("source pickers in the link dialog (browser)", () => {
  let pacer: TestPacer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  const kr = { jira: "", salesforce: "", excel: "" };

  const api = async (path: string, method = "GET", json?: unknown) => {
    const reply = await pacer.request(`/api/v1${path}`, { method, as, ...(json === undefined ? {} : { json }) });
    expect(reply.status, `${method} ${path}`).toBeLessThan(300);
    return (await reply.json()) as any;
  };

  beforeAll(async () => {
    assertTabBuilt();
    // Entra sign-in is set up, so the Excel form offers it beside app-only.
    pacer = await startTestPacer({ PACER_ADO_CLIENT_ID: "11111111-2222-3333-4444-555555555555" });
    await loadDemoOrganization(pacer.store);
    const period = await api("/periods/current");
    const objective = await api("/objectives", "POST", {
      title: "Launch checkout 2.0",
      periodId: period.id,
      keyResults: [
        { title: "Release 2.0 issues done", measurement: { kind: "percent" } },
        { title: "Won revenue", measurement: { kind: "metric", start: 0, target: 2_000_000, unit: "USD", decimals: 0 } },
        { title: "Renewal rate", measurement: { kind: "metric", start: 0, target: 0.6, unit: "", decimals: 2 } },
      ],
    });
    [kr.jira, kr.salesforce, kr.excel] = objective.keyResults.map((k: { id: string }) => k.id);
    for (const id of ["jira", "salesforce", "excel"]) await api(`/integrations/${id}/enable`, "POST", {});
    await api("/integrations/jira/connections", "POST", { name: "Contoso Jira", config: { siteUrl: JIRA, deployment: "cloud", email: JIRA_EMAIL }, secrets: { token: JIRA_TOKEN } });
    await api("/integrations/salesforce/connections", "POST", {
      name: "Acme CRM",
      config: { myDomainUrl: MY_DOMAIN, authentication: "jwtBearer", consumerKey: CONSUMER_KEY, username: USERNAME },
      secrets: { privateKey: PRIVATE_KEY },
    });

    browser = await launchChromium();
    ({ page, pageErrors } = await openDesktopPage(browser, 10_000));
  });

  afterAll(async () => {
    await browser?.close();
    await pacer?.close();
    forgetSalesforceSessions();
  });

  guardNock("Jira, Salesforce and Microsoft Graph");
  beforeEach(() => {
    clearExcelTokens();
    forgetSalesforceSessions();
  });

  const jira = () => nock(JIRA, { reqheaders: { authorization: `Basic ${Buffer.from(`${JIRA_EMAIL}:${JIRA_TOKEN}`).toString("base64")}` } });
  /** The picked filter read again (its current JQL), then the two counts. */
  const jiraValue = (done: number) => {
    jira().get("/rest/api/3/filter/10012").reply(200, filters.releaseTwo);
    jira().post("/rest/api/3/search/approximate-count", { jql: COUNT_ALL }).reply(200, search.approximateCount(120));
    jira().post("/rest/api/3/search/approximate-count", { jql: COUNT_DONE }).reply(200, search.approximateCount(done));
  };

  async function openDialog(krId: string, integrationId: string): Promise<Locator> {
    await page.goto(`${pacer.url}/tab/#/kr/${krId}`);
    await page.getByTestId("connect-data-source").click();
    const dialog = page.getByTestId("link-dialog");
    await dialog.getByLabel("Data source", { exact: true }).selectOption(integrationId);
    return dialog;
  }

  it("Jira: favourite filters are listed at once; one is picked with the keyboard, counted, previewed, saved and refreshed", async () => {
    jira().get("/rest/api/3/filter/favourite").reply(200, filters.favourites);
    const dialog = await openDialog(kr.jira, "jira");
    const offered = dialog.getByRole("listbox", { name: "Saved filters" });
    await offered.getByRole("option", { name: /Checkout bugs/ }).waitFor();
    expect(await offered.getByRole("option").allTextContents()).toEqual(["Checkout bugsFavourite filter", "Release 2.0Favourite filter"]);
    // The ids a pick fills are not form fields.
    expect(await dialog.getByLabel("Filter ID").count()).toBe(0);

    // The picked filter comes back with its issue count.
    jira().get("/rest/api/3/filter/10012").reply(200, filters.releaseTwo);
    jira().post("/rest/api/3/search/approximate-count", { jql: COUNT_ALL }).reply(200, search.approximateCount(120));
    const box = dialog.getByRole("combobox", { name: "Saved filter" });
    await box.focus();
    await box.press("ArrowDown");
    await box.press("ArrowDown");
    expect(await box.getAttribute("aria-activedescendant")).toBe(await offered.getByRole("option", { name: /Release 2.0/ }).getAttribute("id"));
    await box.press("Enter");
    await dialog.getByTestId("picked-resource").getByText("Release 2.0 · Matches 120 issues.", { exact: false }).waitFor();
    expect(await offered.getByRole("option", { name: /Release 2.0/ }).getAttribute("aria-selected")).toBe("true");
    expect(await dialog.getByLabel("JQL").inputValue()).toBe(filters.releaseTwo.jql);
    expect(await seriousViolations(page)).toEqual([]);

    jiraValue(42);
    await dialog.getByRole("button", { name: "Preview" }).click();
    await dialog.getByTestId("link-preview").getByText("Value now: 35").waitFor();
    await dialog.getByTestId("preview-details").getByText("42 of 120 issues done").waitFor();
    await screenshot(page, "picker-jira");
    await dialog.getByRole("button", { name: "Save link" }).click();
    await dialog.waitFor({ state: "detached" });
    const link = await api(`/key-results/${kr.jira}/link`);
    expect(link.source).toMatchObject({ filterId: "10012", filterName: "Release 2.0", measure: "percentDone" });

    jiraValue(60);
    const panel = page.getByTestId("link-panel");
    await panel.getByRole("button", { name: "Refresh" }).click();
    await panel.getByTestId("refresh-result").getByText("Synced: 50 (60 of 120 issues done)", { exact: false }).waitFor();
  });

  it("Salesforce: a recently viewed report is picked, previewed and saved", async () => {
    simulateJwtToken();
    simulateRecentReports();
    const dialog = await openDialog(kr.salesforce, "salesforce");
    const offered = dialog.getByRole("listbox", { name: "Reports" });
    await offered.getByRole("option", { name: /Won deals this quarter/ }).click();
    await dialog.getByTestId("picked-resource").getByText("Won deals this quarter").waitFor();
    expect(await dialog.getByLabel("Kind").inputValue()).toBe("report");
    expect(await dialog.getByLabel("Report ID").count()).toBe(0);

    simulateReport();
    await dialog.getByRole("button", { name: "Preview" }).click();
    await dialog.getByTestId("preview-details").getByText("Sum of Amount: 1,234,567 (report 'Won deals this quarter')").waitFor();
    await dialog.getByRole("button", { name: "Save link" }).click();
    await dialog.waitFor({ state: "detached" });
    expect((await api(`/key-results/${kr.salesforce}/link`)).source).toEqual({ kind: "report", reportId: REPORT_ID, reportName: "Won deals this quarter" });

    // Opened again, the choice reads as the report's name (stored with the link), not its id.
    simulateRecentReports();
    await page.getByTestId("link-panel").getByRole("button", { name: "Change" }).click();
    const again = page.getByTestId("link-dialog");
    await again.getByRole("listbox", { name: "Reports" }).getByRole("option", { name: /Won deals this quarter/ }).waitFor();
    expect(await again.getByTestId("picked-resource").locator("strong").textContent()).toBe("Won deals this quarter");
    expect(await again.getByText(REPORT_ID).count()).toBe(0);
    await again.getByRole("button", { name: "Cancel" }).click();
    await again.waitFor({ state: "detached" });
  });

  it("Excel: an app-only connection (the Entra choice hides the app's fields); a pasted link lists worksheets; B7 is previewed and saved", async () => {
    simulateToken();
    await page.goto(`${pacer.url}/tab/#/admin`);
    await page.getByRole("button", { name: "New Microsoft Excel connection" }).click();
    const form = page.getByTestId("connection-dialog");
    await form.getByLabel("Connection name").fill("Finance workbooks");
    await form.getByRole("radio", { name: "Sign in with Microsoft Entra ID" }).check();
    for (const field of ["Tenant ID", "Client ID", "Client secret"]) expect(await form.getByLabel(field, { exact: true }).count(), field).toBe(0);
    await form.getByRole("button", { name: "Save and sign in with Microsoft Entra ID" }).waitFor();
    await form.getByRole("radio", { name: /app-only/ }).check();
    expect(await form.getByRole("button", { name: /Sign in with Microsoft Entra ID/ }).count()).toBe(0);
    await form.getByLabel("Tenant ID").fill(TENANT);
    await form.getByLabel("Client ID").fill(CLIENT_ID);
    await form.getByLabel("Client secret", { exact: true }).fill(CLIENT_SECRET);
    await form.getByRole("button", { name: "Test connection" }).click();
    await form.getByTestId("connection-test").getByText("Connection works: ", { exact: false }).waitFor();
    await form.getByRole("button", { name: "Save connection" }).click();
    await form.waitFor({ state: "detached" });

    const dialog = await openDialog(kr.excel, "excel");
    const box = dialog.getByRole("combobox", { name: "Workbook link" });
    // A link that does not resolve: Graph's reason under the box, the text kept.
    const broken = `${SHARING_LINK}-gone`;
    simulateShare("error-share-not-found", broken);
    await box.fill(broken);
    await dialog.getByText("No file found for this link", { exact: false }).waitFor();
    expect(await box.inputValue()).toBe(broken);

    simulateShare();
    simulateWorksheets();
    simulateNames();
    await box.fill(SHARING_LINK);
    const offered = dialog.getByRole("listbox", { name: "Worksheets and named ranges" });
    await offered.getByRole("option", { name: /Revenue_Q3/ }).waitFor();
    expect(await dialog.getByText("No file found for this link", { exact: false }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await offered.getByRole("option", { name: /^Sheet1/ }).click();
    expect(await dialog.getByLabel("Worksheet", { exact: true }).inputValue()).toBe("Sheet1");
    expect(await dialog.getByRole("textbox", { name: /^Workbook URL/ }).inputValue()).toBe(SHARING_LINK);
    expect(await dialog.getByLabel("Drive ID").count()).toBe(0);
    await dialog.getByLabel("Address", { exact: true }).fill("B7");

    simulateRange("range-percent");
    await dialog.getByRole("button", { name: "Preview" }).click();
    await dialog.getByTestId("preview-details").getByText("42% (Sheet1!B7)").waitFor();
    await screenshot(page, "picker-excel");
    await dialog.getByRole("button", { name: "Save link" }).click();
    await dialog.waitFor({ state: "detached" });
    expect((await api(`/key-results/${kr.excel}/link`)).source).toEqual({ workbookUrl: SHARING_LINK, driveId: DRIVE, itemId: ITEM, workbookName: "OKR metrics FY27.xlsx", worksheet: "Sheet1", address: "B7" });

    // Opened again, the choice reads as the workbook's file name and worksheet, not the drive id.
    await page.getByTestId("link-panel").getByRole("button", { name: "Change" }).click();
    const again = page.getByTestId("link-dialog");
    await again.getByTestId("picked-resource").waitFor();
    expect(await again.getByTestId("picked-resource").locator("strong").textContent()).toBe("OKR metrics FY27.xlsx · Sheet1");
    expect(await again.getByText(DRIVE, { exact: false }).count()).toBe(0);
    await again.getByRole("button", { name: "Cancel" }).click();
    await again.waitFor({ state: "detached" });
    expect(pageErrors).toEqual([]);
  });
});
