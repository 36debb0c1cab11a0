import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Frame, Page } from "playwright-core";
import { DEMO_TENANT_ID } from "../../core/auth/devTokens.js";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { BOT_ID, BOT_PASSWORD, postActivity, teamsActivity } from "../integration/bot/support.js";
import { assertTabBuilt, launchChromium, screenshot, watchPageErrors } from "../support/browser.js";
import { startFakeBotConnector, type FakeBotConnector } from "../support/fakeBotConnector.js";
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
  let connector: FakeBotConnector;
  const tess = { tenantId: DEMO_TENANT_ID, oid: "00000000-0000-4000-8000-00000000e2e1", name: "Teams Tess" };

  beforeAll(async () => {
    assertTabBuilt();
    // The bot runs too (its Bot Connector faked), so a channel can be made known to it by an install activity.
    connector = await startFakeBotConnector();
    pacer = await startTestPacer(connector.env(BOT_ID, BOT_PASSWORD));
    await loadDemoOrganization(pacer.store);
    // Teams SSO stands in as a dev token for a person Pacer has not seen yet (a member).
    const token = await pacer.tokenFor({ oid: tess.oid, name: tess.name });
    host = await startFakeTeamsHost({ pacerUrl: pacer.url, token });
    browser = await launchChromium();
    const teams = (await (await pacer.request("/api/v1/teams", { as: {} })).json()) as { items: Array<{ id: string; name: string }> };
    engineeringId = teams.items.find((t) => t.name === "Engineering")!.id;
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await pacer?.close();
    await connector?.close();
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

  it("subscribes the channel to the team's progress cards on save, shows it on reopening, says when the bot is missing, and reaches any channel of a team the bot is in", async () => {
    const subscriptionsOf = async (conversationId: string) => {
      const res = await pacer.request(`/api/v1/bot/subscriptions?conversationId=${encodeURIComponent(conversationId)}`, { as: { oid: tess.oid, name: tess.name } });
      return { status: res.status, body: (await res.json()) as { items?: Array<{ target: { kind: string; teamId?: string } }> } };
    };
    // The Pacer app is added to the team: Teams tells the bot about the channel (its id is the conversation id).
    const okrsChannel = "19:okrs-e2e@thread.tacv2";
    const install = teamsActivity(connector, tess, {
      type: "installationUpdate",
      action: "add",
      conversation: { id: okrsChannel, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: okrsChannel }, channel: { id: okrsChannel } },
    });
    expect((await postActivity(pacer, connector, install)).status).toBe(200);
    expect((await subscriptionsOf(okrsChannel)).body.items).toEqual([]);

    const team = (channelId: string) => ({ id: "19:team@thread.tacv2", name: "Engineering", groupId: "6f1c5e2a-0000-4000-8000-000000000001", channelId, channelName: "OKRs" });
    const state = (page: Page) => page.evaluate(() => (window as unknown as { hostState: HostState }).hostState);
    const openConfig = async (page: Page, channelId: string) => {
      await page.goto(host.pageUrl("/tab/#/config", { frameContext: "settings", team: team(channelId) }));
      const frame = await tabFrame(page);
      const box = frame.getByRole("checkbox", { name: "Post progress cards in this channel" });
      await box.waitFor({ timeout: 15_000 });
      await expect.poll(() => box.isEnabled()).toBe(true);
      return { frame, box };
    };

    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors = watchPageErrors(page);
    let { frame, box } = await openConfig(page, okrsChannel);
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await page.evaluate(() => (window as unknown as { pressSave: () => void }).pressSave());
    await expect.poll(async () => (await state(page)).saved).toBe(true);
    await expect.poll(async () => (await subscriptionsOf(okrsChannel)).body.items).toEqual([expect.objectContaining({ target: { kind: "team", teamId: engineeringId } })]);

    // Reopening the settings shows the subscription; unchecking and saving removes it.
    ({ frame, box } = await openConfig(page, okrsChannel));
    expect(await box.isChecked()).toBe(true);
    expect(await frame.getByTestId("subscription-state").textContent()).toContain("team Engineering");
    await screenshot(page, "teams-config-subscribed");
    await box.uncheck();
    await page.evaluate(() => (window as unknown as { pressSave: () => void }).pressSave());
    await expect.poll(async () => (await state(page)).saved).toBe(true);
    await expect.poll(async () => (await subscriptionsOf(okrsChannel)).body.items).toEqual([]);

    // A channel of a team without the bot: 404, said on the page; saving the tab still succeeds.
    const nobotChannel = "19:no-bot-e2e@thread.tacv2";
    ({ frame, box } = await openConfig(page, nobotChannel));
    const notice = frame.getByTestId("subscription-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toContain("The Pacer bot is not installed in this team");
    await box.check();
    await page.evaluate(() => (window as unknown as { pressSave: () => void }).pressSave());
    await expect.poll(async () => (await state(page)).saved).toBe(true);
    const saved = await state(page);
    expect(saved.failed).toBeNull();
    expect(saved.settings).toMatchObject({ entityId: `pacer-team-${engineeringId}` });
    expect(await notice.isVisible()).toBe(true);
    expect((await subscriptionsOf(nobotChannel)).status).toBe(404);
    await screenshot(page, "teams-config-no-bot");

    // Once the app is added to that team (Teams tells the bot about its General channel, whose id is
    // the team's), the page sends the team's id too: the channel is reached through the team.
    const teamId = team(nobotChannel).id;
    const teamInstall = teamsActivity(connector, tess, {
      type: "installationUpdate",
      action: "add",
      conversation: { id: teamId, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: teamId }, channel: { id: teamId } },
    });
    expect((await postActivity(pacer, connector, teamInstall)).status).toBe(200);
    ({ frame, box } = await openConfig(page, nobotChannel));
    expect(await box.isChecked()).toBe(false);
    expect(await frame.getByTestId("subscription-notice").count()).toBe(0);
    await box.check();
    await page.evaluate(() => (window as unknown as { pressSave: () => void }).pressSave());
    await expect.poll(async () => (await state(page)).saved).toBe(true);
    await expect.poll(async () => (await subscriptionsOf(nobotChannel)).body.items).toEqual([expect.objectContaining({ target: { kind: "team", teamId: engineeringId } })]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
