import { cardMessage } from "../activity.js";
import { okrListCard } from "../cards/okrListCard.js";
import { type BotDeps, type Turn, type TurnUser, tabLink } from "./context.js";
import { okrListData } from "./okrData.js";

/** `my okrs`: the person's objectives of the current period with their key results. */
export async function myOkrs(deps: BotDeps, turn: Turn, user: TurnUser): Promise<void> {
  const data = await okrListData(deps.okr, user.actor);
  await turn.io.reply(cardMessage(okrListCard({ ...data, tabUrl: tabLink(deps, "/my") }), `Your OKRs, ${data.periodName}`));
}
