import { authentication } from "@microsoft/teams-js";
import type { ApiClient } from "../api.js";
import type { Host } from "../host.js";
import type { TestResult } from "./types.js";

/**
 * Microsoft Entra ID sign-in for a connection of a connector with `entraSignIn` (Azure DevOps,
 * Microsoft Excel): Pacer answers the consent URL; inside
 * Teams it opens through `authentication.authenticate` (Teams' own window, whose end page, Pacer's
 * callback, calls `notifySuccess` / `notifyFailure` through tab/src/authEnd.ts), in a browser as a
 * popup. Pacer's callback page (same origin as the tab) stores the tokens; when the popup reaches
 * it, or is closed, the connection is tested, which is the real answer to "did it work".
 */
export interface EntraOutcome {
  test: TestResult;
  /** What the sign-in said when it did not succeed: Pacer's callback page (e.g. Entra's reason) or "Sign-in was cancelled". */
  page: string | undefined;
}

export const CANCELLED = "Sign-in was cancelled";

/** Waits until the popup shows Pacer's callback page (then reads and closes it) or is closed. */
function watchPopup(popup: Window): Promise<string> {
  return new Promise((resolve) => {
    const timer = window.setInterval(() => {
      if (popup.closed) {
        window.clearInterval(timer);
        resolve(CANCELLED);
        return;
      }
      try {
        // Cross-origin (at Microsoft) this throws; back at Pacer (its callback, or its start page refusing) it is readable.
        if (popup.document.readyState !== "complete" || !popup.document.body?.dataset.outcome) return;
        const text = [popup.document.querySelector("h1")?.textContent, popup.document.querySelector("p")?.textContent].filter(Boolean).join(": ");
        window.clearInterval(timer);
        popup.close();
        resolve(text);
      } catch {
        // still signing in
      }
    }, 300);
  });
}

export async function signInWithEntra(api: ApiClient, host: Host, integrationId: string, connectionId: string): Promise<EntraOutcome> {
  // Pacer's own start page, which redirects to Entra: Teams opens only https pages of the app's valid domains.
  const { startUrl: url } = await api.post<{ startUrl: string }>(`/integrations/${integrationId}/oauth/start`, { connectionId });
  let page: string | undefined;
  if (host.kind === "teams") {
    // Teams rejects with the notifyFailure reason, or "CancelledByUser" when its window is closed.
    page = await authentication.authenticate({ url, width: 600, height: 700 }).then(
      () => undefined,
      (e: unknown) => {
        const reason = e instanceof Error ? e.message : String(e);
        return reason === "CancelledByUser" || !reason ? CANCELLED : reason;
      },
    );
  } else {
    const popup = window.open(url, "pacer-entra-sign-in", "popup,width=600,height=700");
    if (!popup) throw new Error("The browser blocked the sign-in window: allow pop-ups for Pacer and try again.");
    page = await watchPopup(popup);
  }
  const test = await api.post<TestResult>(`/connections/${connectionId}/test`);
  return { test, page };
}
