import { cardMessage, textMessage } from "../activity.js";
import { checkInCard, pickKeyResultCard } from "../cards/checkInCard.js";
import type { BotDeps, Turn, TurnUser } from "./context.js";
import { checkInCandidates, matchesWords } from "./okrData.js";

/**
 * `check in [words]`: the check-in form of the one key result that matches, or a pick list when
 * several do. Only key results the person may check in are offered.
 */
export async function checkInCommand(deps: BotDeps, turn: Turn, user: TurnUser, query: string): Promise<void> {
  const all = await checkInCandidates(deps.okr, user.actor);
  const matching = query ? all.filter(({ keyResult, objective }) => matchesWords(`${keyResult.title} ${objective.title}`, query)) : all;
  if (all.length === 0) {
    await turn.io.reply(textMessage("You have no key results to check in this period. Key results you own, or of objectives you own, show up here."));
    return;
  }
  if (matching.length === 0) {
    await turn.io.reply(textMessage(`None of your key results matches “${query}”. Send **check in** to see them all.`));
    return;
  }
  if (matching.length === 1) {
    const { keyResult, objective } = matching[0]!;
    await turn.io.reply(cardMessage(checkInCard({ keyResult: { id: keyResult._id, title: keyResult.title, version: keyResult.version, measurement: keyResult.measurement, current: keyResult.current }, objectiveTitle: objective.title }), "Check in"));
    return;
  }
  await turn.io.reply(
    cardMessage(
      pickKeyResultCard({ prompt: "Which key result do you want to check in?", choices: matching.map(({ keyResult, objective }) => ({ id: keyResult._id, title: `${keyResult.title} (${objective.title})` })) }),
      "Check in",
    ),
  );
}
