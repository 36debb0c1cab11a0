import { app, authentication } from "@microsoft/teams-js";

export type Theme = "default" | "dark" | "contrast";

export interface TeamsPlace {
  /** Frame the tab is shown in: `content`, `settings` (configuration page), `remove`… */
  frameContext: string;
  teamName: string | null;
  channelName: string | null;
  /** The channel's Teams id (`19:…@thread.tacv2`): the conversation id the bot stores for a channel. */
  channelId: string | null;
  groupId: string | null;
  /** The team's Teams id (`context.team.internalId`, its General channel's id): where the bot is installed in a team. */
  teamConversationId: string | null;
  chatId: string | null;
}

export type Host = { kind: "teams"; theme: Theme; place: TeamsPlace } | { kind: "browser" };

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
    const place: TeamsPlace = {
      frameContext: String(context.page.frameContext ?? "content"),
      teamName: context.team?.displayName ?? null,
      channelName: context.channel?.displayName ?? null,
      channelId: context.channel?.id ?? null,
      groupId: context.team?.groupId ?? null,
      teamConversationId: context.team?.internalId ?? null,
      chatId: context.chat?.id ?? null,
    };
    try {
      app.notifySuccess();
    } catch {
      // Older hosts do not track app loading.
    }
    return { kind: "teams", theme, place };
  } catch {
    return { kind: "browser" };
  }
}

/** Teams SSO: an Entra access token for Pacer's API (audience api://<host>/<client id>). */
export function teamsToken(): Promise<string> {
  return authentication.getAuthToken();
}

/** Teams tells a running tab when the user switches theme. */
export function onTeamsThemeChange(handler: (theme: Theme) => void): void {
  try {
    app.registerOnThemeChangeHandler((theme) => handler(theme === "dark" || theme === "contrast" ? theme : "default"));
  } catch {
    // not supported by this host
  }
}
