import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Frame, Page } from "playwright-core";
import { DEMO_USER } from "../../core/auth/devTokens.js";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import * as queries from "../fixtures/azuredevops/queries.js";
import { assertTabBuilt, launchChromium, screenshot, watchPageErrors } from "../support/browser.js";
import { DECLINED, startFakeEntra, type FakeEntra } from "../support/fakeEntra.js";
import { startFakeTeamsHost, type FakeTeamsHost } from "../support/fakeTeamsHost.js";
import { guardNock } from "../support/nockGuard.js";
import { makeTestCertificates } from "../support/sqlServers/certificates.js";
import { startTestPacer, type TestPacer } from "../support/testPacer.js";

/**
 * "Sign in with Microsoft Entra ID" for an Azure DevOps connection with the tab inside (a fake)
 * Teams, served over https as Teams is (teams-js opens only https URLs in an auth window): the tab
 * asks the host (`authentication.authenticate`) for Pacer's start page, the host opens it in a
 * window of its own, it redirects to Entra (tests/support/fakeEntra.ts) sends it back to Pacer's callback page,
 * whose auth-end script tells Teams the outcome (`notifySuccess` / `notifyFailure`) and closes the
 * window. Azure DevOps is simulated with nock, as in azureDevOpsLink.test.ts.
 */
const P = "/fabrikam/Fabrikam-Fiber";
const CLIENT_ID = "11111111-2222-3333-4444-555555555555";

interface HostState {
  authAnswers: Array<[boolean, string]>;
}

describe("Azure DevOps Entra sign-in inside (a fake) Teams", () => {
  let pacer: TestPacer;
  let entra: FakeEntra;
  let host: FakeTeamsHost;
  let browser: Browser;
  let certDir: string;

  beforeAll(async () => {
    assertTabBuilt();
    entra = await startFakeEntra();
    pacer = await startTestPacer({ PACER_ADO_CLIENT_ID: CLIENT_ID, PACER_ADO_AUTHORITY: entra.authority });
    await loadDemoOrganization(pacer.store);
    const as = { oid: DEMO_USER.oid, name: DEMO_USER.name };
    expect((await pacer.request("/api/v1/integrations/azuredevops/enable", { method: "POST", as, json: {} })).status).toBe(200);
    // Teams SSO stands in as a dev token for Dana, the demo organisation's owner.
    certDir = await mkdtemp(path.join(os.tmpdir(), "pacer-teams-tls-"));
    const certs = await makeTestCertificates(certDir);
    const tls = { cert: await readFile(certs.certFile, "utf8"), key: await readFile(certs.keyFile, "utf8") };
    host = await startFakeTeamsHost({ pacerUrl: pacer.url, token: await pacer.tokenFor(as), tls });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await pacer?.close();
    await entra?.close();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  guardNock("Azure DevOps");

  const newPage = async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true });
    page.setDefaultTimeout(10_000);
    return page;
  };
  const tabFrame = async (page: Page): Promise<Frame> => (await (await page.waitForSelector("#tab")).contentFrame())!;
  const hostState = (page: Page) => page.evaluate(() => (window as unknown as { hostState: HostState }).hostState);

  /** The admin page in Teams, the new-connection form filled in for Entra sign-in. */
  async function entraForm(page: Page, name: string) {
    await page.goto(host.pageUrl("/tab/#/admin"));
    const frame = await tabFrame(page);
    await frame.getByRole("button", { name: "New Azure DevOps connection" }).click({ timeout: 15_000 });
    const dialog = frame.getByTestId("connection-dialog");
    await dialog.getByLabel("Connection name").fill(name);
    await dialog.getByLabel("Organization").fill("fabrikam");
    await dialog.getByLabel("Project").fill("Fabrikam-Fiber");
    await dialog.getByRole("radio", { name: "Sign in with Microsoft Entra ID" }).check();
    return { frame, dialog };
  }

  it("the host's auth window signs in, the callback page notifies success, and the tab shows the connection tested OK", async () => {
    const page = await newPage();
    const errors = watchPageErrors(page);
    const { frame, dialog } = await entraForm(page, "Fabrikam (Teams)");
    nock("https://dev.azure.com", { reqheaders: { authorization: "Bearer entra-at" } })
      .get(`${P}/_apis/wit/queries`)
      .query({ $depth: "0", "api-version": "7.1" })
      .reply(200, queries.rootFolders);
    const authWindow = page.waitForEvent("popup");
    await dialog.getByRole("button", { name: "Save and sign in with Microsoft Entra ID" }).click();
    const popup = await authWindow;
    const popupErrors = watchPageErrors(popup);
    // teams-js closes the window itself after notifySuccess.
    await popup.waitForEvent("close");
    expect((await hostState(page)).authAnswers).toEqual([[true, expect.stringContaining("“Fabrikam (Teams)” can now read work items.")]]);
    await dialog.waitFor({ state: "detached" });
    const row = frame.getByTestId("connection").filter({ hasText: "Fabrikam (Teams)" });
    await row.getByTestId("connection-status").getByText(/^OK · /).waitFor();
    const log = (await page.evaluate(() => (window as unknown as { hostLog: string[] }).hostLog)) as string[];
    expect(log).toEqual(expect.arrayContaining(["authentication.authenticate", "auth-window:initialize", "auth-window:authentication.authenticate.success"]));
    expect(Object.fromEntries(entra.tokenRequests.at(-1)!)).toMatchObject({ grant_type: "authorization_code", code: "consent-code", redirect_uri: `${host.url}/api/v1/integrations/azuredevops/oauth/callback` });
    await screenshot(page, "teams-azuredevops-entra-connected");
    expect(errors).toEqual([]);
    expect(popupErrors).toEqual([]);
    await page.close();
  });

  it("a refused consent: the callback page notifies failure and the tab shows Entra's reason, keeping the saved connection", async () => {
    const page = await newPage();
    const errors = watchPageErrors(page);
    const { frame, dialog } = await entraForm(page, "Fabrikam (declined)");
    entra.refuseNext();
    const tokensBefore = entra.tokenRequests.length;
    const authWindow = page.waitForEvent("popup");
    await dialog.getByRole("button", { name: "Save and sign in with Microsoft Entra ID" }).click();
    await (await authWindow).waitForEvent("close");
    const reason = `Microsoft Entra ID answered: ${DECLINED}`;
    expect((await hostState(page)).authAnswers).toEqual([[false, reason]]);
    // The test after the sign-in fails (no tokens: nothing reaches Azure DevOps), with Entra's reason beside it.
    const result = dialog.getByTestId("connection-test");
    await result.getByText(`(${reason})`, { exact: false }).waitFor();
    expect(await result.textContent()).toMatch(/^Test failed: /);
    expect(entra.tokenRequests.length).toBe(tokensBefore);
    await dialog.getByRole("button", { name: "Save and sign in again" }).waitFor();
    await screenshot(page, "teams-azuredevops-entra-declined");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await frame.getByTestId("connection").filter({ hasText: "Fabrikam (declined)" }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("closing the auth window answers CancelledByUser: the tab says the sign-in was cancelled", async () => {
    const page = await newPage();
    const { dialog } = await entraForm(page, "Fabrikam (cancelled)");
    entra.holdNext();
    const authWindow = page.waitForEvent("popup");
    await dialog.getByRole("button", { name: "Save and sign in with Microsoft Entra ID" }).click();
    // The person closes the window while still at Entra.
    const popup = await authWindow;
    await popup.getByRole("heading", { name: "Pick an account" }).waitFor();
    await popup.close();
    await dialog.getByTestId("connection-test").getByText("(Sign-in was cancelled)", { exact: false }).waitFor();
    expect((await hostState(page)).authAnswers).toEqual([[false, "CancelledByUser"]]);
    await page.close();
  });
});
