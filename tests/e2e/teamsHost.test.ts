import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Frame, Page } from "playwright-core";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { assertTabBuilt, launchChromium, screenshot, watchPageErrors } from "../support/browser.js";
import { startFakeTeamsHost, type FakeTeamsHost } from "../support/fakeTeamsHost.js";
import { startTestPacer, type TestPacer } from "../support/testPacer.js";

interface HostState {
  valid: boolean | null;
  settings: { contentUrl: string; websiteUrl: string; entityId: string; suggestedDisplayName: string } | null;
  saved: boolean;
  failed: string | null;
}

/** The tab framed by a fake Teams client that speaks the teams-js postMessage protocol. */
describe("tab inside (a fake) Teams", () => {
  let pacer: TestPacer;
  let host: FakeTeamsHost;
  let browser: Browser;
  let engineeringId: string;

  beforeAll(async () => {
    assertTabBuilt();
    pacer = await startTestPacer();
    await loadDemoOrganization(pacer.store);
    // Teams SSO stands in as a dev token for a person Pacer has not seen yet (a member).
    const token = await pacer.tokenFor({ oid: "00000000-0000-4000-8000-00000000e2e1", name: "Teams Tess" });
    host = await startFakeTeamsHost({ pacerUrl: pacer.url, token });
    browser = await launchChromium();
    const teams = (await (await pacer.request("/api/v1/teams", { as: {} })).json()) as { items: Array<{ id: string; name: string }> };
    engineeringId = teams.items.find((t) => t.name === "Engineering")!.id;
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await pacer?.close();
  });

  const tabFrame = async (page: Page): Promise<Frame> => {
    const handle = await page.waitForSelector("#tab");
    return (await handle.contentFrame())!;
  };

  it("signs in with the host's SSO token and takes the theme from the Teams context", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchPageErrors(page);
    await page.goto(host.pageUrl("/tab/#/my", { theme: "dark" }));
    const frame = await tabFrame(page);
    await expect.poll(() => frame.getByTestId("signed-in").textContent().catch(() => null), { timeout: 15_000 }).toContain("Teams Tess");
    const log = (await page.evaluate(() => (window as unknown as { hostLog: string[] }).hostLog)) as string[];
    expect(log).toEqual(expect.arrayContaining(["initialize", "getContext", "authentication.getAuthToken"]));
    expect(await frame.locator("[data-theme]").first().getAttribute("data-theme")).toBe("dark");
    await frame.getByRole("tab", { name: "Organisation" }).click();
    await frame.getByTestId("objective").first().waitFor();
    await screenshot(page, "teams-host-org-dark");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("configures a channel tab: validity, save handler, then the team view", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const team = { id: "19:team@thread.tacv2", name: "Engineering", groupId: "6f1c5e2a-0000-4000-8000-000000000001", channelId: "19:general@thread.tacv2", channelName: "General" };
    await page.goto(host.pageUrl("/tab/#/config", { frameContext: "settings", team }));
    const frame = await tabFrame(page);
    const picker = frame.getByTestId("team-picker");
    await picker.waitFor({ timeout: 15_000 });
    // The Teams team's name matches a Pacer team: preselected, so Save is already allowed.
    expect(await picker.inputValue()).toBe(engineeringId);
    const state = () => page.evaluate(() => (window as unknown as { hostState: HostState }).hostState);
    await expect.poll(async () => (await state()).valid).toBe(true);
    await picker.selectOption("");
    await expect.poll(async () => (await state()).valid).toBe(false);
    await picker.selectOption(engineeringId);
    await expect.poll(async () => (await state()).valid).toBe(true);
    await screenshot(page, "teams-config");

    await page.evaluate(() => (window as unknown as { pressSave: () => void }).pressSave());
    await expect.poll(async () => (await state()).saved).toBe(true);
    const { settings } = await state();
    expect(settings).toMatchObject({ entityId: `pacer-team-${engineeringId}`, suggestedDisplayName: "OKRs: Engineering" });
    expect(settings!.contentUrl).toBe(`${host.url}/tab/#/team/${engineeringId}`);

    // What the channel then shows: the configured URL, framed as content.
    await page.goto(host.pageUrl(new URL(settings!.contentUrl).pathname + new URL(settings!.contentUrl).hash, { team }));
    const content = await tabFrame(page);
    await content.getByRole("heading", { name: "Engineering", level: 2 }).waitFor({ timeout: 15_000 });
    await content.getByTestId("objective").first().waitFor();
    expect(await content.getByRole("tab", { name: "Organisation" }).count()).toBe(0);
    await screenshot(page, "teams-team-view");
    await page.close();
  });
});
