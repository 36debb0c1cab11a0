import { app, authentication } from "@microsoft/teams-js";

export type Host = { kind: "teams"; theme: "default" | "dark" | "contrast" } | { kind: "browser" };

/**
 * Are we inside Teams? teams-js rejects at once at top level but waits up to 60 s inside a
 * foreign iframe, so only frames are asked, and only for a few seconds.
 */
export async function detectHost(timeoutMs = 4_000): Promise<Host> {
  if (window.parent === window && !window.opener) return { kind: "browser" };
  try {
    await Promise.race([
      app.initialize(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("not in Teams")), timeoutMs)),
    ]);
    const context = await app.getContext();
    const theme = context.app.theme === "dark" || context.app.theme === "contrast" ? context.app.theme : "default";
    return { kind: "teams", theme };
  } catch {
    return { kind: "browser" };
  }
}

/** Teams SSO: an Entra access token for Pacer's API (audience api://<host>/<client id>). */
export function teamsToken(): Promise<string> {
  return authentication.getAuthToken();
}
