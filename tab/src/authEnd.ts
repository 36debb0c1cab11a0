import { app, authentication } from "@microsoft/teams-js";

/**
 * Loaded by Pacer's Entra callback page (sync/oauth/entraOAuth.ts `callbackPage`), which says the
 * outcome on <body data-outcome="ok|failed" data-message="…">. When that page is Teams' auth window
 * (`authentication.authenticate` in the tab), Teams waits for the auth end page to call
 * `app.initialize()` then `authentication.notifySuccess` / `notifyFailure`, see
 * https://learn.microsoft.com/en-us/microsoftteams/platform/tabs/how-to/authentication/auth-tab-aad
 * (teams-js then closes the window). In the tab's own browser popup nothing is sent: the tab reads
 * the page's h1 and p itself.
 */
const TEAMS_WAIT_MS = 5_000;

/** The standalone tab's popup: its opener is a Pacer tab on this origin (readable, unlike Teams). */
function openedByPacerTab(): boolean {
  try {
    const opener = window.opener as Window | null;
    return !!opener && opener.location.origin === window.location.origin && opener.location.pathname.startsWith("/tab");
  } catch {
    return false;
  }
}

async function tellTeams(ok: boolean, message: string): Promise<void> {
  // Not framed and not opened by anyone: a browser tab, no host to tell (teams-js would reject at once).
  if (window.parent === window && !window.opener) return;
  if (openedByPacerTab()) return;
  try {
    // Outside Teams, teams-js waits for a host that never answers: give up after a few seconds.
    await Promise.race([app.initialize(), new Promise((_, reject) => setTimeout(() => reject(new Error("not in Teams")), TEAMS_WAIT_MS))]);
  } catch {
    return;
  }
  if (ok) authentication.notifySuccess(message);
  else authentication.notifyFailure(message);
}

const outcome = document.body.dataset.outcome;
if (outcome === "ok" || outcome === "failed") void tellTeams(outcome === "ok", document.body.dataset.message ?? "").catch(() => undefined);
