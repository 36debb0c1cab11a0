/**
 * The parts of Bot Framework activities Pacer reads and writes, as plain data. Handlers take and
 * return these; only bot/adapter/ knows botbuilder. Shapes follow the Bot Connector REST API
 * (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference).
 */

export interface ChannelAccount {
  id: string;
  name?: string | undefined;
  /** Entra object id of a person (absent for bots). */
  aadObjectId?: string | undefined;
}

export interface ConversationAccount {
  id: string;
  /** `personal`, `groupChat` or `channel` in Teams. */
  conversationType?: string | undefined;
  tenantId?: string | undefined;
  isGroup?: boolean | undefined;
  name?: string | undefined;
}

export interface IncomingActivity {
  type: string;
  id?: string | undefined;
  name?: string | undefined;
  text?: string | undefined;
  value?: unknown;
  action?: string | undefined;
  serviceUrl: string;
  channelId: string;
  timestamp?: string | undefined;
  from: ChannelAccount;
  recipient: ChannelAccount;
  conversation: ConversationAccount;
  replyToId?: string | undefined;
  /** The sender's IANA time zone (Teams sets it on messages and invokes), e.g. `Europe/Berlin`. */
  localTimezone?: string | undefined;
  membersAdded?: ChannelAccount[] | undefined;
  membersRemoved?: ChannelAccount[] | undefined;
  reactionsAdded?: Array<{ type: string }> | undefined;
  reactionsRemoved?: Array<{ type: string }> | undefined;
  channelData?: {
    tenant?: { id?: string };
    team?: { id?: string; name?: string };
    channel?: { id?: string; name?: string };
    eventType?: string;
  } & Record<string, unknown>;
}

/**
 * Where to post proactively: saved from an authenticated activity, never from user input, or (a
 * channel of a team Pacer is installed in) copied from the team's saved reference with only the
 * channel id changed.
 */
export interface ConversationReference {
  serviceUrl: string;
  channelId: string;
  conversation: ConversationAccount;
  bot: ChannelAccount;
  /** Teams channels derived from their team's reference (not from an activity): which team and channel. */
  channelData?: { tenant?: { id?: string }; team?: { id?: string }; channel?: { id?: string } } | undefined;
}

/**
 * A member of a team or chat as the Bot Connector lists it (`TeamsChannelAccount`): `id` is the
 * person's Teams id for this bot (`29:…`), `aadObjectId` their Entra object id.
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/get-teams-context#fetch-the-roster-or-user-profile
 */
export interface TeamsMember {
  id: string;
  aadObjectId?: string | undefined;
  name?: string | undefined;
  email?: string | undefined;
  userPrincipalName?: string | undefined;
  tenantId?: string | undefined;
  userRole?: string | undefined;
}

/** One page of `GET {serviceUrl}/v3/conversations/{id}/pagedmembers`; no `continuationToken` on the last. */
export interface PagedMembers {
  members: TeamsMember[];
  continuationToken?: string | undefined;
}

/** An answer of the Bot Connector: the value, or the HTTP status (0: no answer) and `Retry-After`. */
export type ConnectorResult<T> = { ok: true; value: T } | { ok: false; status: number; retryAfterMs: number | undefined; error: string };

export interface Attachment {
  contentType: string;
  content: unknown;
  preview?: Attachment | undefined;
}

export interface OutgoingActivity {
  type: "message";
  text?: string | undefined;
  textFormat?: "markdown" | "plain" | "xml" | undefined;
  summary?: string | undefined;
  attachments?: Attachment[] | undefined;
}

/** The answer to an invoke activity: HTTP status and JSON body returned on the same request. */
export interface InvokeResponse {
  status: number;
  body?: unknown;
}

/** What a turn's logic may do besides answering an invoke: post into the conversation it came from. */
export interface TurnIO {
  /** Sends a message to the activity's conversation; resolves to the new activity id when the channel returns one. */
  reply(activity: OutgoingActivity): Promise<string | undefined>;
}

export type TurnLogic = (activity: IncomingActivity, io: TurnIO) => Promise<InvokeResponse | void>;

export const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";

/** Channel thread replies carry `;messageid=<root>` after the channel's conversation id. */
export function splitConversationId(id: string): { conversationId: string; threadRootId: string | undefined } {
  const [conversationId = id, root] = id.split(";messageid=");
  return { conversationId, threadRootId: root };
}

export function referenceOf(activity: IncomingActivity): ConversationReference {
  const { conversationId } = splitConversationId(activity.conversation.id);
  return {
    serviceUrl: activity.serviceUrl,
    channelId: activity.channelId,
    conversation: {
      id: conversationId,
      conversationType: activity.conversation.conversationType,
      tenantId: tenantOf(activity),
      isGroup: activity.conversation.isGroup,
    },
    bot: { id: activity.recipient.id, name: activity.recipient.name },
  };
}

export function tenantOf(activity: IncomingActivity): string | undefined {
  return activity.conversation.tenantId ?? activity.channelData?.tenant?.id;
}

export const cardMessage = (card: object, summary?: string): OutgoingActivity => ({
  type: "message",
  ...(summary ? { summary } : {}),
  attachments: [{ contentType: ADAPTIVE_CARD, content: card }],
});

export const textMessage = (text: string): OutgoingActivity => ({ type: "message", text, textFormat: "markdown" });
