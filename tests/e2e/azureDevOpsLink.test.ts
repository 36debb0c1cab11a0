import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { DEMO_USER } from "../../core/auth/devTokens.js";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { clearStateCache } from "../../sync/connectors/azuredevops/client.js";
import * as errors from "../fixtures/azuredevops/errors.js";
import * as queries from "../fixtures/azuredevops/queries.js";
import * as states from "../fixtures/azuredevops/states.js";
import * as wiql from "../fixtures/azuredevops/wiql.js";
import { batch, type Item } from "../fixtures/azuredevops/workItems.js";
import { seriousViolations } from "../support/axe.js";
import { assertTabBuilt, launchChromium, screenshot, watchPageErrors, openDesktopPage } from "../support/browser.js";
import { startFakeEntra, type FakeEntra } from "../support/fakeEntra.js";
import { guardNock } from "../support/nockGuard.js";
import { createObjective, startTestPacer, type TestPacer } from "../support/testPacer.js";

/**
 * Azure DevOps in the tab. Azure DevOps is simulated with nock (in this process, where the test
 * Pacer runs); Microsoft Entra ID by a loopback server (tests/support/fakeEntra.ts) whose authorize
 * endpoint consents at once. Dana, the demo organisation's owner: a PAT connection, a KR linked through the
 * shared-query search (match count, measure options, work item type), refresh and a failing
 * query; an Entra connection signed in through the popup; and, on a Pacer without Entra set up,
 * the form saying so while keeping the PAT.
 */
const ADO = "https://dev.azure.com";
const P = "/fabrikam/Fabrikam-Fiber";
const v = { "api-version": "7.1" };
const PAT = "pat-0123456789abcdef";
const CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const OPEN_BUGS = queries.ids.openBugs;

describe("Azure DevOps link and Entra sign-in (browser)", () => {
  let pacer: TestPacer;
  let bare: TestPacer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let entra: FakeEntra;
  let krId = "";

  beforeAll(async () => {
    assertTabBuilt();
    entra = await startFakeEntra();
    pacer = await startTestPacer({ PACER_ADO_CLIENT_ID: CLIENT_ID, PACER_ADO_AUTHORITY: entra.authority });
    bare = await startTestPacer();
    await loadDemoOrganization(pacer.store);
    await loadDemoOrganization(bare.store);
    const as = { oid: DEMO_USER.oid, name: DEMO_USER.name };
    krId = (await createObjective(pacer, as, "Ship a quieter product", [{ title: "Bugs fixed", measurement: { kind: "metric", start: 0, target: 5, unit: "bugs", decimals: 0 } }]))[0]!;

    browser = await launchChromium();
    ({ page, pageErrors } = await openDesktopPage(browser, 10_000));
  });

  afterAll(async () => {
    await browser?.close();
    await pacer?.close();
    await bare?.close();
    await entra?.close();
  });

  guardNock("Azure DevOps");

  const basic = `Basic ${Buffer.from(`:${PAT}`).toString("base64")}`;
  const ado = (authorization = basic) => nock(ADO, { reqheaders: { authorization } });
  const integration = (p: Page) => p.locator('[data-testid="integration"][data-integration="azuredevops"]');

  /** The open-bugs query with these work items: the query run, the batch and each type's states. */
  function serveQuery(items: Item[]) {
    clearStateCache();
    const scope = ado();
    scope.get(`${P}/_apis/wit/wiql/${OPEN_BUGS}`).query(v).reply(200, wiql.flat(items.map((i) => i.id)));
    scope.post(`${P}/_apis/wit/workitemsbatch`).query(v).reply(200, batch(items));
    return scope;
  }
  const bugStates = (scope: nock.Scope) => scope.get(`${P}/_apis/wit/workitemtypes/Bug/states`).query(v).reply(200, states.bug);
  const storyStates = (scope: nock.Scope) => scope.get(`${P}/_apis/wit/workitemtypes/${encodeURIComponent("User Story")}/states`).query(v).reply(200, states.userStory);

  const items: Item[] = [
    { id: 1, type: "Bug", state: "Active" },
    { id: 2, type: "Bug", state: "Closed" },
    { id: 3, type: "User Story", state: "Closed" },
  ];

  it("an admin enables Azure DevOps and saves a PAT connection after testing it", async () => {
    await page.goto(`${pacer.url}/tab/#/admin`);
    await integration(page).getByRole("button", { name: "Enable Azure DevOps" }).click();
    await integration(page).getByText("Azure DevOps · enabled").waitFor();
    await page.getByRole("button", { name: "New Azure DevOps connection" }).click();
    const dialog = page.getByTestId("connection-dialog");
    await dialog.getByLabel("Connection name").fill("Fabrikam (PAT)");
    await dialog.getByLabel("Organization").fill("fabrikam");
    await dialog.getByLabel("Project").fill("Fabrikam-Fiber");
    expect(await dialog.getByRole("radio", { name: /personal access token/ }).isChecked()).toBe(true);
    await dialog.getByLabel("PAT").fill(PAT);
    // Tested as typed, then again once saved, so the list shows the saved connection's status.
    ado().get(`${P}/_apis/wit/queries`).query({ $depth: "0", ...v }).times(2).reply(200, queries.rootFolders);
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await dialog.getByTestId("connection-test").getByText("Connection works: Connected to https://dev.azure.com/fabrikam, project Fabrikam-Fiber.").waitFor();
    await dialog.getByRole("button", { name: "Save connection" }).click();
    await integration(page).getByTestId("connection").filter({ hasText: "Fabrikam (PAT)" }).getByTestId("connection-status").getByText(/^OK · /).waitFor();
  });

  it("links a KR: shared-query search, match count, measure options and work item type, preview, save", async () => {
    await page.goto(`${pacer.url}/tab/#/kr/${krId}`);
    await page.getByTestId("connect-data-source").click();
    const dialog = page.getByTestId("link-dialog");
    await dialog.getByLabel("Data source", { exact: true }).selectOption("azuredevops");
    await expect.poll(() => dialog.getByLabel("Connection", { exact: true }).locator("option:checked").textContent()).toBe("Fabrikam (PAT)");

    // Only shared queries are offered: not "My Queries", not folders.
    ado().get(`${P}/_apis/wit/queries`).query({ $filter: "bugs", $top: "50", $expand: "wiql", ...v }).reply(200, queries.searchBugs);
    await dialog.getByLabel("Shared query").fill("bugs");
    const offered = dialog.getByRole("listbox", { name: "Shared queries" });
    await offered.getByRole("option", { name: "Shared Queries/Quality/Open bugs" }).waitFor();
    expect(await offered.getByRole("option").count()).toBe(1);

    // Picking it asks Azure DevOps how many work items it matches.
    ado().get(`${P}/_apis/wit/queries/${OPEN_BUGS}`).query(v).reply(200, queries.queryItem(OPEN_BUGS, "Open bugs", "Shared Queries/Quality/Open bugs"));
    ado().get(`${P}/_apis/wit/wiql/${OPEN_BUGS}`).query(v).reply(200, wiql.flat(items.map((i) => i.id)));
    await offered.getByRole("option", { name: "Shared Queries/Quality/Open bugs" }).click();
    await dialog.getByTestId("picked-resource").getByText("Open bugs · Matches 3 work items.", { exact: false }).waitFor();

    const measure = dialog.getByLabel("Measure");
    expect(await measure.locator("option").allTextContents()).toEqual(["% of work items completed", "Number of work items", "Number of completed work items"]);
    const all = serveQuery(items);
    bugStates(all);
    storyStates(all);
    await dialog.getByRole("button", { name: "Preview" }).click();
    await dialog.getByTestId("link-preview").getByText("Value now: 66.67").waitFor();
    await dialog.getByTestId("preview-details").getByText("2 of 3 work items completed").waitFor();

    await measure.selectOption({ label: "Number of completed work items" });
    await dialog.getByLabel("Work item type").fill("Bug");
    bugStates(serveQuery(items));
    await dialog.getByRole("button", { name: "Preview" }).click();
    await dialog.getByTestId("link-preview").getByText("Value now: 1").waitFor();
    await dialog.getByTestId("preview-details").getByText("1 of 2 Bug work items completed").waitFor();
    // The actions keep one line each (a medium Fluent button is 32px high).
    expect((await dialog.getByRole("button", { name: "Save link" }).boundingBox())!.height).toBeLessThan(40);
    await screenshot(page, "azuredevops-link-preview");
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Save link" }).click();
    await dialog.waitFor({ state: "detached" });

    const panel = page.getByTestId("link-panel");
    await panel.getByText("Azure DevOps").waitFor();
    expect(await panel.locator("img").getAttribute("src")).toMatch(/^data:image\/svg\+xml;base64,/);
    const link = (await (await pacer.request(`/api/v1/key-results/${krId}/link`, { as: { oid: DEMO_USER.oid, name: DEMO_USER.name } })).json()) as { source: unknown };
    expect(link.source).toEqual({ queryId: OPEN_BUGS, queryName: "Open bugs", measure: "countCompleted", workItemType: "Bug" });
  });

  it("refreshes to the new count, then shows why a refresh fails (the query is gone) and keeps the value", async () => {
    const panel = page.getByTestId("link-panel");
    bugStates(serveQuery(items.map((i) => (i.id === 1 ? { ...i, state: "Closed" } : i))));
    await panel.getByRole("button", { name: "Refresh" }).click();
    await panel.getByTestId("refresh-result").getByText("Synced: 2 (2 of 2 Bug work items completed)").waitFor();
    await expect.poll(() => page.getByTestId("kr-value").textContent()).toBe("2 bugs");
    await panel.getByTestId("link-status").getByText(/synced · last synced/).waitFor();
    await screenshot(page, "azuredevops-linked");

    ado().get(`${P}/_apis/wit/wiql/${OPEN_BUGS}`).query(v).reply(404, errors.queryNotFound(OPEN_BUGS));
    await panel.getByRole("button", { name: "Refresh" }).click();
    await panel.getByTestId("refresh-result").getByText("Refresh failed: The Azure DevOps query was not found", { exact: false }).waitFor();
    await panel.getByTestId("link-failure").getByText(/query was not found/).waitFor();
    expect(await page.getByTestId("kr-value").textContent()).toBe("2 bugs");
  });

  it("an admin creates an Entra connection: the sign-in window consents, Pacer stores the tokens and the test passes", async () => {
    await page.goto(`${pacer.url}/tab/#/admin`);
    await page.getByRole("button", { name: "New Azure DevOps connection" }).click();
    const dialog = page.getByTestId("connection-dialog");
    await dialog.getByLabel("Connection name").fill("Fabrikam (Entra)");
    await dialog.getByLabel("Organization").fill("fabrikam");
    await dialog.getByLabel("Project").fill("Fabrikam-Fiber");
    await dialog.getByRole("radio", { name: "Sign in with Microsoft Entra ID" }).check();
    // No token to type, and nothing to test before signing in.
    expect(await dialog.getByLabel("PAT").count()).toBe(0);
    expect(await dialog.getByRole("button", { name: "Test connection" }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    // The test after the sign-in reads Azure DevOps with the Entra access token.
    ado("Bearer entra-at").get(`${P}/_apis/wit/queries`).query({ $depth: "0", ...v }).reply(200, queries.rootFolders);
    const popup = page.waitForEvent("popup");
    await dialog.getByRole("button", { name: "Save and sign in with Microsoft Entra ID" }).click();
    await (await popup).waitForEvent("close");
    await dialog.waitFor({ state: "detached" });
    const row = integration(page).getByTestId("connection").filter({ hasText: "Fabrikam (Entra)" });
    await row.getByTestId("connection-status").getByText(/^OK · /).waitFor();
    expect(Object.fromEntries(entra.tokenRequests.at(-1)!)).toMatchObject({ grant_type: "authorization_code", code: "consent-code", client_id: CLIENT_ID });
    await screenshot(page, "azuredevops-entra-connected");
    expect(pageErrors).toEqual([]);
  });

  it("where Entra sign-in is not set up, the form says so and keeps the personal access token", async () => {
    const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    other.setDefaultTimeout(10_000);
    const errorsThere = watchPageErrors(other);
    await other.goto(`${bare.url}/tab/#/admin`);
    await integration(other).getByRole("button", { name: "Enable Azure DevOps" }).click();
    await other.getByRole("button", { name: "New Azure DevOps connection" }).click();
    const dialog = other.getByTestId("connection-dialog");
    await dialog.getByTestId("entra-not-configured").getByText("Microsoft Entra ID sign-in for Azure DevOps is not set up on this Pacer (PACER_ADO_CLIENT_ID); use a personal access token.").waitFor();
    expect(await dialog.getByRole("radio", { name: "Sign in with Microsoft Entra ID" }).isDisabled()).toBe(true);
    expect(await dialog.getByRole("radio", { name: /personal access token/ }).isChecked()).toBe(true);
    await dialog.getByLabel("PAT").waitFor();
    await other.close();
    expect(errorsThere).toEqual([]);
  });
});
