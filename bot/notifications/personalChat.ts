import type { Logger } from "../../core/log/logger.js";
import type { ChannelAccount, ConnectorResult, ConversationReference, PagedMembers } from "../activity.js";
import type { BotConversation, BotStore, RosterMember } from "../store/botStore.js";

/**
 * 1:1 chats with people who never wrote to Pacer. Teams lets a bot start a personal chat with any
 * member of a team (or chat) it is installed in ("Create the conversation" in
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages),
 * so Pacer reads the rosters of the teams and chats it is in (paged:
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/get-teams-context#fetch-the-roster-or-user-profile)
 * once a day, keeps each member's Teams id and Entra id on the team's conversation, and creates the
 * personal chat only when there is something to send. The chat is then saved like one the person
 * opened, so later messages reuse it. Teams refusing the chat (403/404: the person blocked Pacer,
 * or the app is not allowed for them) is recorded and not asked again for `UNREACHABLE_RETRY_MS`.
 */

/** The Bot Connector calls this needs (bot/adapter/botAdapter.ts). */
export interface BotConnector {
  pagedMembers(reference: ConversationReference, page: { pageSize: number; continuationToken?: string | undefined }): Promise<ConnectorResult<PagedMembers>>;
  createPersonalConversation(input: { serviceUrl: string; bot: ChannelAccount; memberId: string; tenantId: string }): Promise<ConnectorResult<{ id: string }>>;
}

export interface PersonalChatDeps {
  bots: BotStore;
  connector: BotConnector;
  log: Logger;
}

export const ROSTER_MAX_AGE_MS = 86_400_000;
export const UNREACHABLE_RETRY_MS = 28 * 86_400_000;
/** The documented maximum page size (smaller asks are raised to 50, larger capped at 500). */
const PAGE_SIZE = 500;
/** 500 × 200 = 100,000 members: ends a continuation token loop the service would never end. */
const MAX_PAGES = 200;

/** Teams and chats Pacer is installed in (not personal chats, not channels adopted through their team). */
export const hasRoster = (conversation: BotConversation) => conversation.scope !== "personal" && !conversation.teamConversationId;

/** Every member with an Entra id and a Teams user id of the conversation's own tenant (guests from elsewhere are left out). */
export async function readRoster(connector: BotConnector, conversation: BotConversation): Promise<ConnectorResult<RosterMember[]>> {
  const tenantId = conversation.tenantId;
  const members = new Map<string, RosterMember>();
  let continuationToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await connector.pagedMembers(conversation.reference, { pageSize: PAGE_SIZE, continuationToken });
    if (!answer.ok) return answer;
    for (const member of answer.value.members) {
      const oid = member.aadObjectId?.toLowerCase();
      if (!oid || !member.id?.startsWith("29:")) continue;
      if (member.tenantId && member.tenantId.toLowerCase() !== tenantId) continue;
      members.set(oid, { teamsId: member.id, oid });
    }
    continuationToken = answer.value.continuationToken;
    if (!continuationToken) break;
  }
  return { ok: true, value: [...members.values()] };
}

/**
 * Reads the rosters not read within `maxAgeMs` (new installs have none yet), one team after the
 * other. A team whose roster cannot be read keeps its previous roster and is tried next pass.
 */
export async function refreshRosters(deps: PersonalChatDeps, now: Date, maxAgeMs = ROSTER_MAX_AGE_MS): Promise<{ read: number }> {
  // System job across organisations: the raw collection, each document's own tenantId after.
  const teams = ((await deps.bots.conversations.raw.find({ scope: { $in: ["channel", "groupChat"] } }).toArray()) as BotConversation[]).filter(hasRoster);
  let read = 0;
  for (const team of teams) {
    if (team.rosterReadAt && now.getTime() - team.rosterReadAt.getTime() < maxAgeMs) continue;
    try {
      const roster = await readRoster(deps.connector, team);
      if (!roster.ok) {
        // Refused (the bot left the team without Pacer hearing of it): keep what was read, ask again tomorrow.
        if (roster.status === 403 || roster.status === 404) await deps.bots.saveRoster(team.tenantId, team.conversationId, team.roster ?? [], now);
        deps.log.warn({ tenantId: team.tenantId, conversationId: team.conversationId, status: roster.status, error: roster.error }, "could not read a team's members");
        continue;
      }
      await deps.bots.saveRoster(team.tenantId, team.conversationId, roster.value, now);
      read += 1;
    } catch (error) {
      deps.log.warn({ err: error, tenantId: team.tenantId, conversationId: team.conversationId }, "could not read a team's members");
    }
  }
  return { read };
}

/** Where a person can be reached without a personal chat: a team or chat of their tenant that lists them. */
export function rosterRoute(teams: readonly BotConversation[], tenantId: string, oid: string): { team: BotConversation; member: RosterMember } | undefined {
  for (const team of teams) {
    if (team.tenantId !== tenantId || !hasRoster(team)) continue;
    const member = team.roster?.find((m) => m.oid === oid);
    if (member) return { team, member };
  }
  return undefined;
}

export type PersonalChat =
  | { ok: true; chat: BotConversation; created: boolean }
  | { ok: false; reason: "no_route" | "unreachable"; status?: number }
  | { ok: false; reason: "failed"; status: number; error: string };

/**
 * The person's personal chat with Pacer: the saved one, else one created now through a team or
 * chat that lists them (`teams`: the tenant's teams, when the caller has them loaded).
 */
export async function personalChatFor(
  deps: PersonalChatDeps,
  tenantId: string,
  user: { _id: string; oid: string },
  now: Date,
  teams?: readonly BotConversation[],
): Promise<PersonalChat> {
  const existing = await deps.bots.personalChatOf(tenantId, user._id);
  if (existing) return { ok: true, chat: existing, created: false };
  const oid = user.oid.toLowerCase();
  const refused = await deps.bots.unreachableSince(tenantId, oid);
  if (refused && now.getTime() - refused.at.getTime() < UNREACHABLE_RETRY_MS) return { ok: false, reason: "unreachable", status: refused.status };
  const route = rosterRoute(teams ?? (await deps.bots.conversations.find(tenantId, { scope: { $in: ["channel", "groupChat"] } })), tenantId, oid);
  if (!route) return { ok: false, reason: "no_route" };
  const { team, member } = route;
  const teamsTenantId = team.reference.conversation.tenantId ?? tenantId;
  const created = await deps.connector.createPersonalConversation({ serviceUrl: team.reference.serviceUrl, bot: team.reference.bot, memberId: member.teamsId, tenantId: teamsTenantId });
  if (!created.ok) {
    if (created.status === 403 || created.status === 404) {
      await deps.bots.markUnreachable(tenantId, oid, created.status, now);
      return { ok: false, reason: "unreachable", status: created.status };
    }
    return { ok: false, reason: "failed", status: created.status, error: created.error };
  }
  const reference: ConversationReference = {
    serviceUrl: team.reference.serviceUrl,
    channelId: team.reference.channelId,
    conversation: { id: created.value.id, conversationType: "personal", tenantId: teamsTenantId, isGroup: false },
    bot: team.reference.bot,
  };
  await deps.bots.saveConversation(tenantId, { conversationId: created.value.id, scope: "personal", reference, userId: user._id });
  await deps.bots.notePerson(tenantId, created.value.id, { teamsId: member.teamsId });
  const chat = await deps.bots.findConversation(tenantId, created.value.id);
  return chat ? { ok: true, chat, created: true } : { ok: false, reason: "failed", status: 0, error: "the new personal chat was not saved" };
}
