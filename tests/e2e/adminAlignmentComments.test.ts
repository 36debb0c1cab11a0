import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { DEMO_USER } from "../../core/auth/devTokens.js";
import { loadDemoOrganization } from "../../core/okr/demo/demoOrganization.js";
import { seriousViolations } from "../support/axe.js";
import { assertTabBuilt, launchChromium, screenshot, openDesktopPage } from "../support/browser.js";
import { startTestPacer, type TestPacer } from "../support/testPacer.js";

/**
 * Dana (dev sign-in) is the demo organisation's first owner, so the tenant admin: she sets the
 * integration allow-list, aligns a KR to another objective, and edits then deletes her comment.
 */
describe("allow-list, KR alignment and comment edit / delete (browser, dev sign-in)", () => {
  let pacer: TestPacer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  const tag = randomUUID().slice(0, 6);
  const targetTitle = `E2E target ${tag}`;
  let krId = "";
  let targetId = "";
  let secondKrId = "";

  beforeAll(async () => {
    assertTabBuilt();
    pacer = await startTestPacer();
    await loadDemoOrganization(pacer.store);
    const as = { oid: DEMO_USER.oid, name: DEMO_USER.name };
    const period = (await (await pacer.request("/api/v1/periods/current", { as })).json()) as { id: string };
    const create = async (title: string, keyResults: unknown[], parents: unknown[] = []) => {
      const res = await pacer.request("/api/v1/objectives", { method: "POST", as, json: { title, periodId: period.id, keyResults, parents } });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; keyResults: Array<{ id: string }> };
    };
    const source = await create(`E2E source ${tag}`, [{ title: `E2E KR ${tag}`, measurement: { kind: "percent" } }]);
    krId = source.keyResults[0]!.id;
    targetId = (await create(targetTitle, [])).id;
    secondKrId = (await create(`E2E second ${tag}`, [{ title: `E2E second KR ${tag}`, measurement: { kind: "percent" } }])).keyResults[0]!.id;
    // Aligned to the KR: aligning the KR to it would be a loop.
    await create(`E2E loop ${tag}`, [], [{ type: "keyResult", id: krId }]);

    browser = await launchChromium();
    ({ page, pageErrors } = await openDesktopPage(browser, 5_000));
    page.on("dialog", (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await pacer?.close();
  });

  it("allows a selection of integrations: one outside it shows as not allowed", async () => {
    await page.goto(`${pacer.url}/tab/#/admin`);
    const allowList = page.getByTestId("allow-list");
    await allowList.getByRole("radio", { name: "A selection" }).check();
    await allowList.getByRole("checkbox", { name: "Web JSON" }).check();
    await allowList.getByRole("button", { name: "Save allowed integrations" }).click();
    await allowList.getByTestId("allow-list-message").getByText("Saved which integrations").waitFor();
    const state = (id: string) => page.locator(`[data-testid="integration"][data-integration="${id}"]`).getByTestId("integration-state");
    await expect.poll(() => state("zapier").textContent()).toContain("not allowed by your tenant");
    await expect.poll(() => state("webjson").textContent()).not.toContain("not allowed");
    await screenshot(page, "allow-list");
  }, 10_000);

  it("aligns a KR to another objective (a loop is a field error), kept after a reload; edits then deletes a comment", async () => {
    await page.goto(`${pacer.url}/tab/#/kr/${krId}`);
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    let dialog = page.getByTestId("kr-dialog");
    await dialog.getByLabel("Aligned to").selectOption({ label: `Objective: E2E loop ${tag}` });
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText(`(E2E KR ${tag} → E2E loop ${tag} → E2E KR ${tag})`, { exact: false }).waitFor();
    await dialog.getByLabel("Aligned to").selectOption({ label: `Objective: ${targetTitle}` });
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByTestId("notice").getByText("Saved.").waitFor();

    await page.reload();
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    dialog = page.getByTestId("kr-dialog");
    await expect.poll(() => dialog.getByLabel("Aligned to").inputValue()).toBe(`objective:${targetId}`);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });

    const feed = page.getByTestId("feed");
    await page.getByLabel("Add a comment").fill(`First thought ${tag}`);
    await page.getByRole("button", { name: "Send" }).click();
    const entry = feed.getByTestId("feed-entry").filter({ hasText: `First thought ${tag}` });
    await entry.getByRole("button", { name: "Edit", exact: true }).click();
    const editing = feed.getByTestId("feed-entry").filter({ has: page.getByLabel("Edit your comment") });
    await editing.getByLabel("Edit your comment").fill(`Second thought ${tag}`);
    await editing.getByRole("button", { name: "Save" }).click();
    const edited = feed.getByTestId("comment-text").filter({ hasText: `Second thought ${tag}` });
    await edited.waitFor();

    await feed.getByTestId("feed-entry").filter({ hasText: `Second thought ${tag}` }).getByRole("button", { name: "Delete", exact: true }).click();
    await edited.waitFor({ state: "detached" });
    await page.reload();
    await feed.waitFor();
    expect(await feed.getByText(`thought ${tag}`).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 10_000);

  it("edits every parent of a KR: adds a second one, then removes the first; both kept after a reload", async () => {
    const parentsOf = async () =>
      ((await (await pacer.request(`/api/v1/key-results/${krId}`, { as: { oid: DEMO_USER.oid, name: DEMO_USER.name } })).json()) as { parents: unknown[] }).parents;
    await page.goto(`${pacer.url}/tab/#/kr/${krId}`);
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    let dialog = page.getByTestId("kr-dialog");
    await expect.poll(() => dialog.getByLabel("Aligned to", { exact: true }).inputValue()).toBe(`objective:${targetId}`);
    await dialog.getByRole("button", { name: "Align to another" }).click();
    // The second picker does not offer what the first already has.
    expect(await dialog.getByLabel("Also aligned to").locator(`option[value="objective:${targetId}"]`).count()).toBe(0);
    await dialog.getByLabel("Also aligned to").selectOption({ label: `Key result: E2E second KR ${tag}` });
    await screenshot(page, "kr-two-parents");
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await parentsOf()).toEqual([
      { type: "objective", id: targetId },
      { type: "keyResult", id: secondKrId },
    ]);

    await page.reload();
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    dialog = page.getByTestId("kr-dialog");
    await expect.poll(() => dialog.getByLabel("Also aligned to").inputValue()).toBe(`keyResult:${secondKrId}`);
    expect(await dialog.getByLabel("Aligned to", { exact: true }).inputValue()).toBe(`objective:${targetId}`);
    await dialog.getByRole("button", { name: "Remove alignment 1" }).click();
    await expect.poll(() => dialog.getByLabel("Aligned to", { exact: true }).inputValue()).toBe(`keyResult:${secondKrId}`);
    expect(await dialog.getByRole("button", { name: "Remove alignment 1" }).count()).toBe(0);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await parentsOf()).toEqual([{ type: "keyResult", id: secondKrId }]);
    expect(pageErrors).toEqual([]);
  }, 15_000);
});
