import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { assertTabBuilt, launchChromium, screenshot, watchPageErrors } from "../support/browser.js";
import { createObjective, startTestPacer, type TestPacer } from "../support/testPacer.js";

/**
 * Data sources in the tab: an admin creates and tests a Web JSON connection against a loopback
 * JSON server; a member links their KR to it (preview, save, refresh) and a second KR to a
 * Zapier / webhook connection, whose secret URL shows once.
 */
describe("data sources (browser)", () => {
  let pacer: TestPacer;
  let browser: Browser;
  let admin: Page;
  let member: Page;
  let pageErrors: string[];
  let json: Server;
  let jsonUrl = "";
  let signups = 42;
  const memberOid = randomUUID();
  const krIds: string[] = [];
  let pushUrl = "";

  beforeAll(async () => {
    assertTabBuilt();
    json = createServer((req, res) => {
      const found = req.url === "/metrics/signups.json";
      res.writeHead(found ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(found ? { data: { total: signups } } : { error: "not found" }));
    });
    await new Promise<void>((resolve) => json.listen(0, "127.0.0.1", resolve));
    jsonUrl = `http://127.0.0.1:${(json.address() as AddressInfo).port}`;

    pacer = await startTestPacer();
    await loadDemoOrganization(pacer.store);
    // The member owns an objective with two metric KRs (members edit only their own).
    const as = { oid: memberOid, name: "Mia Member" };
    const measurement = { kind: "metric", start: 0, target: 100, unit: "signups", decimals: 0 };
    krIds.push(...(await createObjective(pacer, as, "Grow sign-ups", [{ title: "Weekly sign-ups", measurement }, { title: "Pushed sign-ups", measurement }])));

    browser = await launchChromium();
    admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    member = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    pageErrors = watchPageErrors(admin);
    pageErrors.push(...watchPageErrors(member));
  });

  afterAll(async () => {
    await browser?.close();
    await pacer?.close();
    await new Promise((resolve) => json?.close(resolve));
  });

  const integration = (id: string) => admin.locator(`[data-testid="integration"][data-integration="${id}"]`);

  it("an admin enables Web JSON and Zapier, creates a Web JSON connection after testing it, and tests it again", async () => {
    await admin.goto(`${pacer.url}/tab/#/admin`);
    await integration("webjson").getByRole("button", { name: "Enable Web JSON" }).click();
    await integration("webjson").getByText("Web JSON · enabled").waitFor();
    await integration("zapier").getByRole("button", { name: "Enable Zapier / webhook" }).click();
    await integration("zapier").getByText("Zapier / webhook · enabled").waitFor();

    await admin.getByRole("button", { name: "New Web JSON connection" }).click();
    const dialog = admin.getByTestId("connection-dialog");
    // The form comes from the connector's schema: its description is the hint; the bearer token is a password field.
    await dialog.getByText("e.g. https://status.example.com/api").waitFor();
    expect(await dialog.getByLabel("Bearer token").getAttribute("type")).toBe("password");
    expect(await dialog.getByRole("button", { name: "Save connection" }).isDisabled()).toBe(true);
    await dialog.getByLabel("Connection name").fill("Metrics API");
    await dialog.getByLabel("Base URL").fill(jsonUrl);
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await dialog.getByTestId("connection-test").getByText(/Connection works: Reached http:\/\/127\.0\.0\.1/).waitFor();
    await dialog.getByRole("button", { name: "Save connection" }).click();
    const row = integration("webjson").getByTestId("connection").filter({ hasText: "Metrics API" });
    await row.getByText("Shared").waitFor();
    expect(await row.textContent()).toContain("Dana Demo");
    // Tested before saving: the saved connection is tested too, so the list does not say "Not tested".
    await row.getByTestId("connection-status").getByText(/^OK · /).waitFor();

    await row.getByRole("button", { name: "Test Metrics API" }).click();
    await row.getByTestId("connection-status").getByText(/^OK · /).waitFor();

    // Zapier has no fields: a name is enough.
    await admin.getByRole("button", { name: "New Zapier / webhook connection" }).click();
    await admin.getByTestId("connection-dialog").getByLabel("Connection name").fill("Zaps");
    await admin.getByTestId("connection-dialog").getByRole("button", { name: "Test connection" }).click();
    await admin.getByTestId("connection-dialog").getByRole("button", { name: "Save connection" }).click();
    await integration("zapier").getByTestId("connection").filter({ hasText: "Zaps" }).waitFor();
  });

  it("a member links a KR to the connection with a preview, saves, refreshes and sees the new value", async () => {
    await member.goto(`${pacer.url}/tab/?as=${memberOid}&name=Mia%20Member#/kr/${krIds[0]}`);
    await member.getByTestId("connect-data-source").click();
    const dialog = member.getByTestId("link-dialog");
    await dialog.getByLabel("Data source", { exact: true }).selectOption("webjson");
    // The only connection is selected by itself.
    await expect.poll(() => dialog.getByLabel("Connection", { exact: true }).locator("option:checked").textContent()).toBe("Metrics API");
    await dialog.getByLabel("Path", { exact: true }).fill("/metrics/signups.json");
    await dialog.getByLabel("Value path").fill("data.nope");
    await dialog.getByRole("button", { name: "Preview" }).click();
    await dialog.getByTestId("link-error").getByText('Nothing at "data.nope"', { exact: false }).waitFor();
    await dialog.getByLabel("Value path").fill("data.total");
    await dialog.getByRole("button", { name: "Preview" }).click();
    await dialog.getByTestId("link-preview").getByText("Value now: 42").waitFor();
    await dialog.getByRole("button", { name: "Save link" }).click();

    const panel = member.getByTestId("link-panel");
    await panel.getByText("Web JSON").waitFor();
    signups = 57;
    await panel.getByRole("button", { name: "Refresh" }).click();
    await panel.getByTestId("refresh-result").getByText("Synced: 57").waitFor();
    await expect.poll(() => member.getByTestId("kr-value").textContent()).toBe("57 signups");
    await panel.getByTestId("link-status").getByText(/synced · last synced/).waitFor();
    await screenshot(member, "kr-linked");

    // A failing source shows its reason; the value stays.
    signups = Number.NaN;
    await panel.getByRole("button", { name: "Refresh" }).click();
    await panel.getByTestId("refresh-result").getByText(/Refresh failed: .*not a number/).waitFor();
    expect(await member.getByTestId("kr-value").textContent()).toBe("57 signups");
    await panel.getByTestId("link-failure").getByText(/not a number/).waitFor();
  });

  it("a member links a KR to Zapier / webhook and sees its push URL once", async () => {
    await member.goto(`${pacer.url}/tab/?as=${memberOid}&name=Mia%20Member#/kr/${krIds[1]}`);
    await member.getByTestId("connect-data-source").click();
    const dialog = member.getByTestId("link-dialog");
    await dialog.getByLabel("Data source", { exact: true }).selectOption("zapier");
    await expect.poll(() => dialog.getByLabel("Connection", { exact: true }).locator("option:checked").textContent()).toBe("Zaps");
    expect(await dialog.getByRole("button", { name: "Preview" }).count()).toBe(0);
    await dialog.getByRole("button", { name: "Save link" }).click();
    const url = await dialog.getByTestId("push-url-value").textContent();
    expect(url).toMatch(new RegExp(`^${pacer.url}/api/v1/push/[A-Za-z0-9_-]{20,}$`));
    await dialog.getByRole("button", { name: "Done" }).click();

    const pushed = await fetch(url!, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ value: 12 }) });
    expect(pushed.ok).toBe(true);
    await member.reload();
    await member.getByTestId("link-panel").getByText("Values arrive at the link's secret URL.").waitFor();
    await expect.poll(() => member.getByTestId("kr-value").textContent()).toBe("12 signups");
    expect(await member.getByText("/api/v1/push/").count()).toBe(0);
    pushUrl = url!;
  });

  it("a member regenerates the push URL after confirming: the old URL stops working, the new one works", async () => {
    const panel = member.getByTestId("link-panel");
    const confirmations: string[] = [];
    const answer = (accept: boolean) => member.once("dialog", (d) => void (confirmations.push(d.message()), accept ? d.accept() : d.dismiss()));
    // Cancelling the confirm changes nothing.
    answer(false);
    await panel.getByRole("button", { name: "Regenerate URL" }).click();
    await expect.poll(() => confirmations.length).toBe(1);
    expect(confirmations[0]).toContain("The old URL stops working");
    expect(await panel.getByTestId("push-url").count()).toBe(0);

    answer(true);
    await panel.getByRole("button", { name: "Regenerate URL" }).click();
    const fresh = await panel.getByTestId("push-url-value").textContent();
    expect(fresh).toMatch(new RegExp(`^${pacer.url}/api/v1/push/[A-Za-z0-9_-]{20,}$`));
    expect(fresh).not.toBe(pushUrl);
    await screenshot(member, "push-url-regenerated");

    const push = (url: string, value: number) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ value }) });
    expect([401, 404]).toContain((await push(pushUrl, 13)).status);
    expect((await push(fresh!, 14)).status).toBe(200);
    await member.reload();
    await expect.poll(() => member.getByTestId("kr-value").textContent()).toBe("14 signups");
    // Shown once: gone after a reload.
    expect(await member.getByText("/api/v1/push/").count()).toBe(0);
  });

  it("the admin sees linked KR counts, failing links with reasons and the KRs a delete would affect", async () => {
    await admin.reload();
    const row = integration("webjson").getByTestId("connection").filter({ hasText: "Metrics API" });
    await expect.poll(async () => (await row.locator("td").nth(4).textContent())?.trim()).toBe("1");
    // Sync health: the link that failed above, with its reason.
    await admin.getByTestId("failing-link").filter({ hasText: "Weekly sign-ups" }).getByText(/not a number/).waitFor();
    await screenshot(admin, "admin-data-sources");
    await row.getByRole("button", { name: "Delete Metrics API" }).click();
    await admin.getByTestId("affected-krs").getByText("Weekly sign-ups").waitFor();
    await admin.getByTestId("delete-connection-dialog").getByRole("button", { name: "Cancel" }).click();
    expect(pageErrors).toEqual([]);
  });
});
