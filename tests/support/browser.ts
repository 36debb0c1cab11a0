import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Screenshots of the main screens, for people to look at (gitignored). */
export const artifactsDir = path.join(repoRoot, "tests", "e2e", "artifacts");

/** The e2e tests drive the built tab (`npm test` builds it; by hand: `npm run build:tab`). */
export function assertTabBuilt(): void {
  if (!existsSync(path.join(repoRoot, "tab", "dist", "index.html"))) {
    throw new Error("The tab is not built: run `npm run build:tab` (npm test does it) before the e2e tests.");
  }
}

/** Debian's Chromium, headless, a fresh profile per launch (playwright's default). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.PACER_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(artifactsDir, { recursive: true });
  await page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: true });
}

/** A desktop-sized page (1280×900) and the uncaught errors it collects; `timeoutMs` shortens or lengthens playwright's default wait. */
export async function openDesktopPage(browser: Browser, timeoutMs?: number): Promise<{ page: Page; pageErrors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  if (timeoutMs !== undefined) page.setDefaultTimeout(timeoutMs);
  return { page, pageErrors: watchPageErrors(page) };
}

/** Collects uncaught page errors, so a test can assert the UI did not crash. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}
