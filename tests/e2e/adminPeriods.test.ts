import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { DEMO_USER } from "../../core/auth/devTokens.js";
import { assertTabBuilt, launchChromium, screenshot, openDesktopPage } from "../support/browser.js";
import { startTestPacer, type TestPacer } from "../support/testPacer.js";

/** Dana (dev sign-in) signs in first, so she owns the organisation and deletes periods on the admin page. */
describe("deleting periods on the admin page (browser, dev sign-in)", () => {
  let pacer: TestPacer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  const as = { oid: DEMO_USER.oid, name: DEMO_USER.name };
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await pacer.request(`/api/v1${path}`, { method, as, ...(json === undefined ? {} : { json }) });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as { id: string }) };
  };
  let unused = "";
  let used = "";

  beforeAll(async () => {
    assertTabBuilt();
    pacer = await startTestPacer();
    expect((await call("GET", "/me")).status).toBe(200);
    unused = (await call("POST", "/periods", { name: "Hackathon 2021", startDate: "2021-05-01", endDate: "2021-05-31" })).body!.id;
    used = (await call("POST", "/periods", { name: "Pilot 2021", startDate: "2021-06-01", endDate: "2021-06-30" })).body!.id;
    for (const title of ["Pilot A", "Pilot B"]) expect((await call("POST", "/objectives", { title, periodId: used })).status).toBe(201);

    browser = await launchChromium();
    ({ page, pageErrors } = await openDesktopPage(browser, 5_000));
  });

  afterAll(async () => {
    await browser?.close();
    await pacer?.close();
  });

  const periodRow = (name: string) => page.getByTestId("period").filter({ hasText: name });

  it("deletes an unused period after confirming; the list updates", async () => {
    await page.goto(`${pacer.url}/tab/#/admin`);
    await periodRow("Hackathon 2021").waitFor();
    // The current quarter has no Delete action.
    await expect.poll(() => page.getByTestId("period").filter({ hasText: "· current" }).getByRole("button").count()).toBe(0);

    await page.getByRole("button", { name: "Delete period Hackathon 2021" }).click();
    const dialog = page.getByTestId("delete-period-dialog");
    await dialog.getByText("Delete the period “Hackathon 2021”?").waitFor();
    // Cancel keeps it.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await periodRow("Hackathon 2021").count()).toBe(1);

    await page.getByRole("button", { name: "Delete period Hackathon 2021" }).click();
    await dialog.getByRole("button", { name: "Delete period" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByTestId("period-notice").getByText("Deleted the period “Hackathon 2021”.").waitFor();
    await periodRow("Hackathon 2021").waitFor({ state: "detached" });
    expect((await call("GET", `/periods/${unused}`)).status).toBe(404);
    expect(pageErrors).toEqual([]);
  }, 15_000);

  it("a period in use stays, and the page says what to move first", async () => {
    await page.getByRole("button", { name: "Delete period Pilot 2021" }).click();
    const dialog = page.getByTestId("delete-period-dialog");
    await dialog.getByRole("button", { name: "Delete period" }).click();
    await dialog.waitFor({ state: "detached" });
    const notice = page.getByTestId("period-notice");
    await notice.getByText('"Pilot 2021" is still in use. Move or delete its 2 objectives first.').waitFor();
    expect(await notice.getAttribute("role")).toBe("alert");
    expect(await periodRow("Pilot 2021").count()).toBe(1);
    expect((await call("GET", `/periods/${used}`)).status).toBe(200);
    await screenshot(page, "admin-period-in-use");
    expect(pageErrors).toEqual([]);
  }, 15_000);
});
