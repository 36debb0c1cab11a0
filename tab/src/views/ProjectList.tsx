import { Button, Caption1, Link, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api.js";
import { SimpleProgressBar } from "../components/Progress.js";
import { ProjectDialog } from "../forms/ProjectDialog.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { KeyResult, Objective, Project } from "../types.js";

const useStyles = makeStyles({
  box: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS },
  indent: { paddingLeft: "40px", "@media (max-width: 600px)": { paddingLeft: "8px" } },
  head: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalM },
  list: { listStyle: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS },
  row: { display: "grid", gridTemplateColumns: "1fr minmax(140px, 240px)", alignItems: "center", gap: tokens.spacingHorizontalM, "@media (max-width: 600px)": { gridTemplateColumns: "1fr" } },
  muted: { color: tokens.colorNeutralForeground3 },
});

export const taskCount = (p: Project) => `${p.tasks.filter((t) => t.done).length} of ${p.tasks.length} tasks done`;

/** The projects under an objective (all of them, those under its KRs too) or under one key result. */
export function ProjectList(props: { objective: Pick<Objective, "id" | "title" | "keyResults">; keyResult?: Pick<KeyResult, "id" | "title">; canCreate: boolean }) {
  const s = useStyles();
  const { api } = useSession();
  const [projects, setProjects] = useState<Project[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const filter = props.keyResult ? `keyResultId=${encodeURIComponent(props.keyResult.id)}` : `objectiveId=${encodeURIComponent(props.objective.id)}`;
  const owner = props.keyResult?.title ?? props.objective.title;

  const load = useCallback(async () => {
    try {
      setProjects(await api.all<Project>(`/projects?${filter}`));
      setError(undefined);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api, filter]);
  useEffect(() => {
    void load();
  }, [load]);

  const krTitle = (id: string | null) => (id ? props.objective.keyResults.find((k) => k.id === id)?.title : undefined);

  return (
    <section className={props.keyResult ? s.box : `${s.box} ${s.indent}`} aria-label={`Projects of ${owner}`} data-testid="projects">
      <div className={s.head}>
        <Text weight="semibold">Projects</Text>
        {props.canCreate && (
          <Button size="small" onClick={() => setCreating(true)} aria-label={`New project under ${owner}`}>
            New project
          </Button>
        )}
      </div>
      {error ? (
        <Caption1 role="alert">
          Projects: {error}{" "}
          <Link as="button" onClick={() => void load()}>
            Retry
          </Link>
        </Caption1>
      ) : !projects ? (
        <Spinner size="tiny" label="Loading projects…" />
      ) : projects.length === 0 ? (
        <Caption1 className={s.muted}>No projects yet.</Caption1>
      ) : (
        <ul className={s.list}>
          {projects.map((p) => (
            <li key={p.id} className={s.row} data-testid="project">
              <div>
                <Link href={href(`/project/${p.id}`)}>{p.title}</Link>
                <Caption1 block className={s.muted}>
                  {taskCount(p)}
                  {!props.keyResult && krTitle(p.keyResultId) ? ` · under “${krTitle(p.keyResultId)}”` : ""}
                  {p.sync ? " · synced" : ""}
                </Caption1>
              </div>
              <SimpleProgressBar progress={p.progress} label={`Progress of ${p.title}`} />
            </li>
          ))}
        </ul>
      )}
      {creating && (
        <ProjectDialog
          objectiveId={props.objective.id}
          keyResults={props.keyResult ? [props.keyResult] : props.objective.keyResults}
          {...(props.keyResult ? { defaultKeyResultId: props.keyResult.id } : {})}
          onClose={() => setCreating(false)}
          onSaved={(p) => {
            setCreating(false);
            setProjects((list) => [...(list ?? []), p]);
          }}
        />
      )}
    </section>
  );
}
