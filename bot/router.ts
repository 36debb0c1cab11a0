import type { IncomingActivity, InvokeResponse, TurnIO } from "./activity.js";
import { ADAPTIVE_CARD, cardMessage, referenceOf, splitConversationId, textMessage } from "./activity.js";
import { SUBSCRIBE_VERB } from "./cards/subscribeCard.js";
import { REFRESH_VERB } from "./cards/template.js";
import { refreshAction } from "./handlers/refresh.js";
import { threadReaction, threadReplyDeleted, threadReplyEdited } from "./handlers/threadEvents.js";
import { validTimeZone } from "./reminders/schedule.js";
import { CHECK_IN_VERB, OPEN_CHECK_IN_VERB } from "./cards/checkInCard.js";
import { checkInAction, openCheckInAction } from "./handlers/checkInAction.js";
import { checkInCommand } from "./handlers/checkInCommand.js";
import { isCommandText, parseCommand } from "./handlers/commands.js";
import { type BotDeps, cardActionError, identify, identityProblem, type Turn, type TurnUser } from "./handlers/context.js";
import { sendHelp } from "./handlers/help.js";
import { onInstallEvent } from "./handlers/install.js";
import { askQuestionFetch, askQuestionSubmit, searchGoals, unfurlLink } from "./handlers/messageExtension.js";
import { myOkrs } from "./handlers/myOkrs.js";
import { scopeOf, subscribe, subscribeAction, unsubscribe } from "./handlers/subscription.js";
import { linkedThread, threadReplyToComment } from "./handlers/threadReply.js";

/**
 * Routes each activity to one handler by a typed name: message commands, install events,
 * `adaptiveCard/action` verbs (and their `Action.Submit` fallbacks), edits, deletions and
 * reactions of thread replies, message-extension invokes. An unknown card verb gets a typed 400
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
      case "messageUpdate":
      case "messageDelete":
      case "messageReaction":
        return onMessageChange(deps, turn);
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
  await remember(deps, turn, user);
  const submitted = asRecord(turn.activity.value);
  if (!turn.activity.text && typeof submitted.verb === "string") {
    // Action.Submit fallback of an Action.Execute (clients without Universal Actions): answer with a new message.
    const answer = await cardAction(deps, turn, user, submitted.verb, submitted);
    const body = asRecord(answer.body);
    if (body.type === ADAPTIVE_CARD) await turn.io.reply(cardMessage(body.value as object));
    else await turn.io.reply(textMessage(String(asRecord(body.value).message ?? "That did not work.")));
    return;
  }
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
      return subscribe(deps, turn, user, command.query);
    case "unsubscribe":
      return unsubscribe(deps, turn, user, command.query);
    case "unknown":
      return sendHelp(deps, turn, { notUnderstood: command.text });
  }
}

const asRecord = (value: unknown): Record<string, unknown> => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** One handler per `Action.Execute` verb (invokes and their `Action.Submit` fallbacks alike). */
function cardAction(deps: BotDeps, turn: Turn, user: TurnUser, verb: unknown, data: Record<string, unknown>): Promise<InvokeResponse> {
  switch (verb) {
    case CHECK_IN_VERB:
      return checkInAction(deps, turn, user, data);
    case OPEN_CHECK_IN_VERB:
      return openCheckInAction(deps, user, data);
    case REFRESH_VERB:
      return refreshAction(deps, turn, user, data);
    case SUBSCRIBE_VERB:
      return subscribeAction(deps, turn, user, data);
    default:
      return Promise.resolve(cardActionError(400, "BadRequest", `Unknown card action “${String(verb ?? "")}”.`));
  }
}

/** Edits, deletions and reactions in Teams (Teams sends `channelData.eventType` on edits and deletions). */
async function onMessageChange(deps: BotDeps, turn: Turn): Promise<void> {
  const identity = await identify(deps, turn.activity);
  if (!identity.ok) return;
  const eventType = turn.activity.channelData?.eventType;
  if (turn.activity.type === "messageUpdate" && eventType === "editMessage") return threadReplyEdited(deps, turn, identity.user);
  if (turn.activity.type === "messageDelete" && eventType === "softDeleteMessage") return threadReplyDeleted(deps, turn, identity.user);
  if (turn.activity.type === "messageReaction") return threadReaction(deps, turn, identity.user);
}

/**
 * Where a person talks to Pacer: a personal chat is saved when first seen (reminders go there)
 * with the person's time zone (`localTimezone`); every conversation keeps the Teams ids of the
 * people recently active in it (its cards' `refresh.userIds`).
 */
async function remember(deps: BotDeps, turn: Turn, user: TurnUser): Promise<void> {
  const { tenantId } = user.caller;
  const { conversationId } = splitConversationId(turn.activity.conversation.id);
  if (scopeOf(turn.activity.conversation.conversationType) === "personal") {
    await deps.bots.saveConversation(tenantId, { conversationId, scope: "personal", reference: referenceOf(turn.activity), userId: user.caller.user._id });
  }
  await deps.bots.notePerson(tenantId, conversationId, { teamsId: turn.activity.from.id, timeZone: validTimeZone(turn.activity.localTimezone) });
}

async function onInvoke(deps: BotDeps, turn: Turn): Promise<InvokeResponse> {
  const name = turn.activity.name ?? "";
  const identity = await identify(deps, turn.activity);
  if (name === "adaptiveCard/action") {
    if (!identity.ok) return cardActionError(401, "Unauthorized", identityProblem(identity.reason));
    await remember(deps, turn, identity.user);
    const action = asRecord(asRecord(turn.activity.value).action);
    return cardAction(deps, turn, identity.user, action.verb, asRecord(action.data));
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
