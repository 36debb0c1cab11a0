import { Button, Checkbox, Field, Link, MessageBar, MessageBarBody, Select, Text, Title3, makeStyles, tokens } from "@fluentui/react-components";
import { pages } from "@microsoft/teams-js";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiRequestError, errorMessage } from "../api.js";
import { href } from "../router.js";
import { useSession } from "../session.js";

const useStyles = makeStyles({ page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL, maxWidth: "520px" } });

/** A progress-card subscription of a conversation, as `GET /api/v1/bot/subscriptions` lists it. */
interface Subscription {
  conversationId: string;
  target: { kind: "organization" } | { kind: "team"; teamId: string } | { kind: "objective"; objectiveId: string };
}

/** The 404 of the subscription endpoints: the bot was never installed in (or removed from) this conversation. */
const botMissingText = (where: string) =>
  `The Pacer bot is not installed in this ${where === "channel" ? "team" : "chat"}, so no progress cards can be posted here. You can still save the tab; add the Pacer app to the ${where === "channel" ? "team" : "chat"}, then open this tab's settings again to turn them on.`;

const subscribedTo = (subscription: Subscription, teamId: string) => subscription.target.kind === "team" && subscription.target.teamId === teamId;

/**
 * Configuration page of the channel / chat tab: pick the Pacer team whose OKRs the tab shows, and
 * whether this conversation gets that team's progress cards from the bot. In Teams, Save is Teams'
 * own button: we tell it when the choice is valid and, on save, which URL the tab opens
 * (`#/team/<id>`), then subscribe (or unsubscribe) the conversation. The conversation id is the
 * one the bot stores: the channel's id (thread ids cut off), or the chat's. A channel also sends
 * its team's id (`teamConversationId`), so a channel the bot has not seen yet is reached through
 * the team's installation. A 404 (bot not installed there) does not block saving the tab; it is
 * shown instead.
 */
export function ConfigPage() {
  const s = useStyles();
  const { api, host, teams } = useSession();
  const inTeams = host.kind === "teams";
  const place = host.kind === "teams" ? host.place : undefined;
  const conversationId = place ? (place.channelId ?? place.chatId) : null;
  const where = place?.channelId ? "channel" : "chat";
  /** The channel's team, so the bot can post in a channel of a team it is installed in without having seen the channel. */
  const teamConversationId = place?.channelId && place.teamConversationId ? place.teamConversationId : undefined;
  const suggested = host.kind === "teams" && host.place.teamName ? teams.find((t) => t.name.toLowerCase() === host.place.teamName!.toLowerCase())?.id : undefined;
  const [teamId, setTeamId] = useState(suggested ?? "");
  const [error, setError] = useState<string | undefined>();
  const choice = useRef(teamId);
  choice.current = teamId;
  /** This conversation's subscriptions; null: the bot does not know it (404); undefined: loading or not applicable. */
  const [subscriptions, setSubscriptions] = useState<Subscription[] | null | undefined>();
  const [postCards, setPostCards] = useState(false);
  const [subscriptionError, setSubscriptionError] = useState<string | undefined>();
  const wanted = useRef({ postCards, subscriptions });
  wanted.current = { postCards, subscriptions };

  const loadSubscriptions = useCallback(async (): Promise<Subscription[] | null> => {
    if (!conversationId) return [];
    try {
      const team = teamConversationId ? `&teamConversationId=${encodeURIComponent(teamConversationId)}` : "";
      const { items } = await api.get<{ items: Subscription[] }>(`/bot/subscriptions?conversationId=${encodeURIComponent(conversationId)}${team}`);
      setSubscriptions(items);
      return items;
    } catch (e) {
      if (e instanceof ApiRequestError && e.status === 404) {
        setSubscriptions(null);
        return null;
      }
      setSubscriptionError(`Could not read this ${where}'s progress cards: ${errorMessage(e)}`);
      setSubscriptions([]);
      return [];
    }
  }, [api, conversationId, teamConversationId, where]);

  useEffect(() => {
    void loadSubscriptions().then((items) => setPostCards(Boolean(items?.some((x) => subscribedTo(x, choice.current)))));
  }, [loadSubscriptions]);

  /** After the tab is saved: make the chosen team's subscription match the checkbox. Never throws. */
  const applySubscription = useCallback(
    async (chosenTeamId: string) => {
      if (!conversationId) return;
      const { postCards: want, subscriptions: current } = wanted.current;
      const has = Boolean(current?.some((x) => subscribedTo(x, chosenTeamId)));
      if (want === has) return;
      setSubscriptionError(undefined);
      try {
        const body = { conversationId, teamId: chosenTeamId, ...(teamConversationId ? { teamConversationId } : {}) };
        if (want) await api.post("/bot/subscriptions", body);
        else await api.request("DELETE", "/bot/subscriptions", body);
      } catch (e) {
        if (e instanceof ApiRequestError && e.status === 404) setSubscriptions(null);
        else setSubscriptionError(`The tab is saved, but its progress cards could not be ${want ? "turned on" : "turned off"}: ${errorMessage(e)}`);
        return;
      }
      await loadSubscriptions();
    },
    [api, conversationId, teamConversationId, loadSubscriptions],
  );

  useEffect(() => {
    if (!inTeams) return;
    pages.config.registerOnSaveHandler((saveEvent) => {
      const team = teams.find((t) => t.id === choice.current);
      if (!team) {
        saveEvent.notifyFailure("Choose a team first.");
        return;
      }
      const url = `${window.location.origin}/tab/#/team/${encodeURIComponent(team.id)}`;
      pages.config
        .setConfig({ entityId: `pacer-team-${team.id}`, contentUrl: url, websiteUrl: url, suggestedDisplayName: `OKRs: ${team.name}` })
        .then(async () => {
          await applySubscription(team.id);
          saveEvent.notifySuccess();
        })
        .catch((e: Error) => {
          setError(`Teams could not save the tab: ${e.message}`);
          saveEvent.notifyFailure(e.message);
        });
    });
  }, [inTeams, teams, applySubscription]);

  useEffect(() => {
    if (inTeams) pages.config.setValidityState(Boolean(teamId));
  }, [inTeams, teamId]);

  return (
    <section className={s.page} aria-labelledby="config-title">
      <Title3 as="h2" id="config-title">
        Show a team's OKRs here
      </Title3>
      <Text>Pick the team whose objectives and key results this tab shows. Everyone in the conversation who belongs to your organisation can see them.</Text>
      {teams.length === 0 ? (
        <MessageBar intent="info">
          <MessageBarBody>Your organisation has no teams in Pacer yet. An admin creates them on the Admin tab.</MessageBarBody>
        </MessageBar>
      ) : (
        <Field label="Team" required hint={inTeams ? "Then select Save." : undefined}>
          <Select
            value={teamId}
            onChange={(_, d) => {
              setTeamId(d.value);
              setPostCards(Boolean(subscriptions?.some((x) => subscribedTo(x, d.value))));
            }}
            data-testid="team-picker"
          >
            <option value="">Choose a team…</option>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </Select>
        </Field>
      )}
      {conversationId && teams.length > 0 && (
        <Field hint={`Each check-in on the chosen team's OKRs (and those of teams below it) is posted here as a card. The Pacer bot must be installed in the ${where === "channel" ? "team" : "chat"}.`}>
          <Checkbox
            label={`Post progress cards in this ${where}`}
            checked={postCards}
            disabled={!teamId || subscriptions === undefined}
            onChange={(_, d) => setPostCards(d.checked === true)}
            data-testid="post-progress-cards"
          />
        </Field>
      )}
      {subscriptions && subscriptions.length > 0 && (
        <Text size={200} data-testid="subscription-state">
          This {where} gets progress cards for {describeSubscriptions(subscriptions, teams)}.
        </Text>
      )}
      {subscriptions === null && (
        <MessageBar intent="warning" data-testid="subscription-notice">
          <MessageBarBody>{botMissingText(where)}</MessageBarBody>
        </MessageBar>
      )}
      {subscriptionError && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{subscriptionError}</MessageBarBody>
        </MessageBar>
      )}
      {error && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      {!inTeams && teamId && (
        <div>
          <Button as="a" appearance="primary" href={href(`/team/${teamId}`)}>
            Open the team view
          </Button>{" "}
          <Text size={200}>(Outside Teams there is no Save button; this opens what the tab would show.)</Text>
        </div>
      )}
      {!inTeams && (
        <Text size={200}>
          This page is meant for Teams' "Add a tab" dialog. <Link href={href("/my")}>Go to My OKRs</Link>
        </Text>
      )}
    </section>
  );
}

function describeSubscriptions(subscriptions: Subscription[], teams: Array<{ id: string; name: string }>): string {
  const parts: string[] = [];
  if (subscriptions.some((x) => x.target.kind === "organization")) parts.push("every check-in of the organisation");
  for (const x of subscriptions) if (x.target.kind === "team") parts.push(`team ${teams.find((t) => x.target.kind === "team" && t.id === x.target.teamId)?.name ?? "(removed)"}`);
  const objectives = subscriptions.filter((x) => x.target.kind === "objective").length;
  if (objectives > 0) parts.push(objectives === 1 ? "one objective" : `${objectives} objectives`);
  return parts.join(", ");
}
