import { cardMessage } from "../activity.js";
import { helpCard } from "../cards/helpCard.js";
import { type BotDeps, type Turn, tabLink } from "./context.js";

/** `help`, anything not understood, and the welcome on install. */
export async function sendHelp(deps: BotDeps, turn: Turn, options: { welcome?: boolean; notUnderstood?: string } = {}): Promise<void> {
  const group = turn.activity.conversation.conversationType === "channel" || turn.activity.conversation.conversationType === "groupChat";
  await turn.io.reply(
    cardMessage(helpCard({ welcome: options.welcome ?? false, notUnderstood: options.notUnderstood, group, tabUrl: tabLink(deps, "/my") }), options.welcome ? "Welcome to Pacer" : "What Pacer can do"),
  );
}
