import { Button, Field, Link, MessageBar, MessageBarBody, Select, Text, Title3, makeStyles, tokens } from "@fluentui/react-components";
import { pages } from "@microsoft/teams-js";
import { useEffect, useRef, useState } from "react";
import { href } from "../router.js";
import { useSession } from "../session.js";

const useStyles = makeStyles({ page: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL, maxWidth: "520px" } });

/**
 * Configuration page of the channel / chat tab: pick the Pacer team whose OKRs the tab shows.
 * In Teams, Save is Teams' own button: we tell it when the choice is valid and, on save, which
 * URL the tab opens (`#/team/<id>`).
 */
export function ConfigPage() {
  const s = useStyles();
  const { host, teams } = useSession();
  const inTeams = host.kind === "teams";
  const suggested = host.kind === "teams" && host.place.teamName ? teams.find((t) => t.name.toLowerCase() === host.place.teamName!.toLowerCase())?.id : undefined;
  const [teamId, setTeamId] = useState(suggested ?? "");
  const [error, setError] = useState<string | undefined>();
  const choice = useRef(teamId);
  choice.current = teamId;

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
        .then(() => saveEvent.notifySuccess())
        .catch((e: Error) => {
          setError(`Teams could not save the tab: ${e.message}`);
          saveEvent.notifyFailure(e.message);
        });
    });
  }, [inTeams, teams]);

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
          <Select value={teamId} onChange={(_, d) => setTeamId(d.value)} data-testid="team-picker">
            <option value="">Choose a team…</option>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </Select>
        </Field>
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
