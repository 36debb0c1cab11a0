import type { IncomingActivity, InvokeResponse, TurnIO } from "./activity.js";
import { textMessage } from "./activity.js";
import { CHECK_IN_VERB, OPEN_CHECK_IN_VERB } from "./cards/checkInCard.js";
import { checkInAction, openCheckInAction } from "./handlers/checkInAction.js";
import { checkInCommand } from "./handlers/checkInCommand.js";
import { isCommandText, parseCommand } from "./handlers/commands.js";
import { type BotDeps, cardActionError, identify, identityProblem, type Turn } from "./handlers/context.js";
import { sendHelp } from "./handlers/help.js";
import { onInstallEvent } from "./handlers/install.js";
import { askQuestionFetch, askQuestionSubmit, searchGoals, unfurlLink } from "./handlers/messageExtension.js";
import { myOkrs } from "./handlers/myOkrs.js";
import { subscribe, unsubscribe } from "./handlers/subscription.js";
import { linkedThread, threadReplyToComment } from "./handlers/threadReply.js";

/**
 * Routes each activity to one handler by a typed name: message commands, install events,
 * `adaptiveCard/action` verbs, message-extension invokes. An unknown card verb gets a typed 400
 * answer; an unknown invoke a 501; other activity types are acknowledged and ignored.
 */
export function createRouter(deps: BotDeps) {
  return async function route(activity: IncomingActivity, io: TurnIO): Promise<InvokeResponse | void> {
    const turn: Turn = { activity, io };
    switch (activity.type) {
      case "conversationUpdate":
      case "installationUpdate":
        return onInstallEvent(deps, turn);
      case "message":
        return onMessage(deps, turn);
      case "invoke":
        return onInvoke(deps, turn);
      default:
        return;
    }
  };
}

async function onMessage(deps: BotDeps, turn: Turn): Promise<void> {
  const identity = await identify(deps, turn.activity);
  if (!identity.ok) {
    await turn.io.reply(textMessage(identityProblem(identity.reason)));
    return;
  }
  const user = identity.user;
  if (!isCommandText(turn.activity.text)) {
    const thread = await linkedThread(deps, turn, user.caller.tenantId);
    if (thread) return threadReplyToComment(deps, turn, user, thread);
  }
  const command = parseCommand(turn.activity.text);
  switch (command.name) {
    case "help":
      return sendHelp(deps, turn);
    case "myOkrs":
      return myOkrs(deps, turn, user);
    case "checkIn":
      return checkInCommand(deps, turn, user, command.query);
    case "subscribe":
      return subscribe(deps, turn, user);
    case "unsubscribe":
      return unsubscribe(deps, turn, user);
    case "unknown":
      return sendHelp(deps, turn, { notUnderstood: command.text });
  }
}

const asRecord = (value: unknown): Record<string, unknown> => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

async function onInvoke(deps: BotDeps, turn: Turn): Promise<InvokeResponse> {
  const name = turn.activity.name ?? "";
  const identity = await identify(deps, turn.activity);
  if (name === "adaptiveCard/action") {
    if (!identity.ok) return cardActionError(401, "Unauthorized", identityProblem(identity.reason));
    const action = asRecord(asRecord(turn.activity.value).action);
    const data = asRecord(action.data);
    switch (action.verb) {
      case CHECK_IN_VERB:
        return checkInAction(deps, turn, identity.user, data);
      case OPEN_CHECK_IN_VERB:
        return openCheckInAction(deps, identity.user, data);
      default:
        return cardActionError(400, "BadRequest", `Unknown card action “${String(action.verb ?? "")}”.`);
    }
  }
  if (name.startsWith("composeExtension/")) {
    if (!identity.ok) return { status: 200, body: { composeExtension: { type: "message", text: identityProblem(identity.reason) } } };
    const value = asRecord(turn.activity.value);
    switch (name) {
      case "composeExtension/query":
        return searchGoals(deps, identity.user, value);
      case "composeExtension/queryLink":
        return unfurlLink(deps, identity.user, value);
      case "composeExtension/fetchTask":
        return askQuestionFetch(deps, identity.user, value);
      case "composeExtension/submitAction":
        return askQuestionSubmit(deps, turn, identity.user, value);
      default:
        return { status: 501 };
    }
  }
  return { status: 501 };
}
