import { authentication } from "@microsoft/teams-js";
import type { ApiClient } from "../api.js";
import type { Host } from "../host.js";
import type { TestResult } from "./types.js";

/**
 * Microsoft Entra ID sign-in for an Azure DevOps connection: Pacer answers the consent URL; inside
 * Teams it opens through `authentication.authenticate` (Teams' own window), in a browser as a
 * popup. Pacer's callback page (same origin as the tab) stores the tokens; when the popup reaches
 * it, or is closed, the connection is tested, which is the real answer to "did it work".
 */
export interface EntraOutcome {
  test: TestResult;
  /** What Pacer's callback page said (a standalone popup only), e.g. why the sign-in failed. */
  page: string | undefined;
}

const CALLBACK = "/api/v1/integrations/azuredevops/oauth/callback";

/** Waits until the popup shows Pacer's callback page (then reads and closes it) or is closed. */
function watchPopup(popup: Window): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = window.setInterval(() => {
      if (popup.closed) {
        window.clearInterval(timer);
        resolve(undefined);
        return;
      }
      try {
        // Cross-origin (at Microsoft) this throws; back at Pacer it is readable.
        if (popup.location.pathname !== CALLBACK || popup.document.readyState !== "complete") return;
        const text = [popup.document.querySelector("h1")?.textContent, popup.document.querySelector("p")?.textContent].filter(Boolean).join(": ");
        window.clearInterval(timer);
        popup.close();
        resolve(text || undefined);
      } catch {
        // still signing in
      }
    }, 300);
  });
}

export async function signInWithEntra(api: ApiClient, host: Host, connectionId: string): Promise<EntraOutcome> {
  const { url } = await api.post<{ url: string }>("/integrations/azuredevops/oauth/start", { connectionId });
  let page: string | undefined;
  if (host.kind === "teams") {
    // The callback page does not call notifySuccess, so Teams settles when its window is closed.
    await authentication.authenticate({ url, width: 600, height: 700 }).catch(() => undefined);
  } else {
    const popup = window.open(url, "pacer-entra-sign-in", "popup,width=600,height=700");
    if (!popup) throw new Error("The browser blocked the sign-in window: allow pop-ups for Pacer and try again.");
    page = await watchPopup(popup);
  }
  const test = await api.post<TestResult>(`/connections/${connectionId}/test`);
  return { test, page };
}
