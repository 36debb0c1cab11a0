import { Caption1, MessageBar, MessageBarBody, Title3, makeStyles, tokens } from "@fluentui/react-components";
import { useSession } from "../session.js";
import { OkrList } from "./OkrList.js";

const useStyles = makeStyles({ head: { display: "flex", flexDirection: "column", gap: "2px", marginBottom: tokens.spacingVerticalL } });

/** What a channel tab shows: one team's OKRs. */
export function TeamView({ id }: { id: string }) {
  const s = useStyles();
  const { teams, userName } = useSession();
  const team = teams.find((t) => t.id === id);
  if (!team) {
    return (
      <MessageBar intent="warning" role="alert">
        <MessageBarBody>This team no longer exists in Pacer, or belongs to another organisation. Ask the tab's owner to reconfigure it.</MessageBarBody>
      </MessageBar>
    );
  }
  return (
    <>
      <div className={s.head}>
        <Title3 as="h2">{team.name}</Title3>
        {team.description && <Caption1>{team.description}</Caption1>}
        <Caption1>
          Owners: {team.ownerIds.map(userName).join(", ") || "—"} · {team.memberIds.length} members
        </Caption1>
      </div>
      <OkrList scope={{ kind: "team", teamId: team.id }} title={`OKRs of ${team.name}`} />
    </>
  );
}
