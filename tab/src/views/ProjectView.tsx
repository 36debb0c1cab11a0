import {
  Body1,
  Button,
  Caption1,
  Card,
  Checkbox,
  Field,
  Input,
  Link,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  MessageBar,
  MessageBarBody,
  Select,
  Spinner,
  Subtitle2,
  Text,
  Title3,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { Suspense, lazy, useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { ApiRequestError, errorMessage } from "../api.js";
import { SimpleProgressBar } from "../components/Progress.js";
import { formatDateTime } from "../format.js";
import { CONFLICT_MESSAGE, type FieldErrors } from "../forms/formKit.js";
import { LinkPanel } from "../integrations/LinkPanel.js";
import { canManage } from "../okrState.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import type { Objective, Project, Task } from "../types.js";
import { taskCount } from "./ProjectList.js";
import { personOptions } from "../forms/selectOptions.js";

const LinkDialog = lazy(() => import("../integrations/LinkDialog.js"));

const useStyles = makeStyles({
  head: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalL },
  muted: { color: tokens.colorNeutralForeground3 },
  tasks: { listStyle: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS },
  task: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap", minHeight: "32px" },
  add: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "flex-start", flexWrap: "wrap" },
  grow: { flex: "1 1 220px" },
});

/** `#/project/<id>`: a project's tasks (by hand: add, tick, delete; synced: read-only) and its data source. */
export function ProjectView({ id }: { id: string }) {
  const s = useStyles();
  const session = useSession();
  const { api, me, users, userName } = session;
  const [project, setProject] = useState<Project | undefined>();
  const [objective, setObjective] = useState<Objective | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<{ intent: "success" | "warning" | "error"; text: string } | undefined>();
  const [title, setTitle] = useState("");
  const [assigneeId, setAssigneeId] = useState("");
  const [due, setDue] = useState("");
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [linking, setLinking] = useState(false);
  const [linkKey, setLinkKey] = useState(0);
  const titleInput = useRef<HTMLInputElement>(null);

  const load = useCallback(async () => {
    try {
      const p = await api.get<Project>(`/projects/${id}`);
      setProject(p);
      setObjective(await api.get<Objective>(`/objectives/${p.objectiveId}`));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api, id]);
  useEffect(() => {
    void load();
  }, [load]);

  if (error) {
    return (
      <MessageBar intent="error" role="alert">
        <MessageBarBody>
          {error} <Link href={href("/my")}>Go to My OKRs</Link>
        </MessageBarBody>
      </MessageBar>
    );
  }
  if (!project || !objective) return <Spinner label="Loading project…" />;

  const kr = objective.keyResults.find((k) => k.id === project.keyResultId);
  const editable = canManage(session, objective) || project.ownerUserId === me.user.id || (kr?.ownerUserId ?? null) === me.user.id;
  const manual = project.tasks.filter((t) => !t.source);
  const synced = project.tasks.filter((t) => t.source);

  /** A write that answers with the project; 409 reloads and says so. */
  const write = async (action: () => Promise<Project>, success?: string) => {
    setNotice(undefined);
    try {
      setProject(await action());
      if (success) setNotice({ intent: "success", text: success });
      return true;
    } catch (e) {
      if (e instanceof ApiRequestError && e.isConflict) {
        setNotice({ intent: "warning", text: CONFLICT_MESSAGE });
        await load();
      } else if (e instanceof ApiRequestError && Object.keys(e.fieldErrors).length > 0) {
        setFieldErrors(e.fieldErrors);
        setNotice({ intent: "error", text: e.error.message });
      } else setNotice({ intent: "error", text: errorMessage(e) });
      return false;
    }
  };

  const addTask = async (event: FormEvent) => {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!title.trim()) local.title = "Give the task a title.";
    else if (title.trim().length > 300) local.title = "At most 300 characters.";
    setFieldErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    const ok = await write(() => api.post<Project>(`/projects/${project.id}/tasks`, { title: title.trim(), assigneeId: assigneeId || null, due: due || null }));
    setBusy(false);
    if (ok) {
      setTitle("");
      setDue("");
      setAssigneeId("");
      titleInput.current?.focus();
    }
  };

  const toggle = (task: Task, done: boolean) => {
    // Shown at once; the server's answer (or a reload) replaces it.
    setProject({ ...project, tasks: project.tasks.map((t) => (t.id === task.id ? { ...t, done } : t)) });
    void write(() => api.patch<Project>(`/projects/${project.id}/tasks/${task.id}`, { done, version: project.version }));
  };

  const remove = (task: Task) => {
    if (!window.confirm(`Delete the task “${task.title}”?`)) return;
    void write(() => api.request<Project>("DELETE", `/projects/${project.id}/tasks/${task.id}`, { version: project.version }), `Deleted “${task.title}”.`);
  };

  const people = [...users.values()].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <article aria-labelledby="project-title">
      <div className={s.head}>
        <Link onClick={() => window.history.back()} as="button">
          ← Back
        </Link>
        <Caption1 className={s.muted}>
          Project of {kr ? <Link href={href(`/kr/${kr.id}`)}>{kr.title}</Link> : objective.title}
          {kr ? ` · ${objective.title}` : ""}
        </Caption1>
        <Title3 as="h2" id="project-title">
          {project.title}
        </Title3>
        {project.description && <Body1>{project.description}</Body1>}
        <Text data-testid="task-count">{taskCount(project)}</Text>
        <div style={{ maxWidth: 480 }} data-testid="project-progress">
          <SimpleProgressBar progress={project.progress} label={`Progress of ${project.title}`} />
        </div>
        <LinkPanel key={linkKey} keyResultId="" keyResultTitle={project.title} target={{ type: "project", id: project.id }} editable={editable} onValueChanged={() => void load()} />
        {project.sync && <Caption1 className={s.muted}>Synced tasks as of {formatDateTime(project.sync.syncedAt)}</Caption1>}
        {notice && (
          <MessageBar intent={notice.intent} role={notice.intent === "success" ? "status" : "alert"} data-testid="notice">
            <MessageBarBody>{notice.text}</MessageBarBody>
          </MessageBar>
        )}
      </div>

      <Card>
        <div style={{ display: "flex", alignItems: "center", gap: 12 }}>
          <Subtitle2 as="h3" style={{ margin: 0 }}>
            Tasks
          </Subtitle2>
          {editable && (
            <Menu>
              <MenuTrigger disableButtonEnhancement>
                <Button size="small">Add tasks</Button>
              </MenuTrigger>
              <MenuPopover>
                <MenuList>
                  <MenuItem onClick={() => titleInput.current?.focus()}>By hand</MenuItem>
                  <MenuItem onClick={() => setLinking(true)}>Automatically from a data source…</MenuItem>
                </MenuList>
              </MenuPopover>
            </Menu>
          )}
        </div>
        {project.tasks.length === 0 && <Text>No tasks yet.</Text>}
        {manual.length > 0 && (
          <ul className={s.tasks} aria-label="Tasks">
            {manual.map((t) => (
              <li key={t.id} className={s.task} data-testid="task">
                <Checkbox checked={t.done} disabled={!editable} onChange={(_, d) => toggle(t, Boolean(d.checked))} label={t.title} aria-label={`Done: ${t.title}`} />
                {t.assigneeId && <Caption1 className={s.muted}>· {userName(t.assigneeId)}</Caption1>}
                {t.due && <Caption1 className={s.muted}>· due {t.due}</Caption1>}
                {editable && (
                  <Button size="small" appearance="subtle" aria-label={`Delete task ${t.title}`} icon={<span aria-hidden>✕</span>} onClick={() => remove(t)} />
                )}
              </li>
            ))}
          </ul>
        )}
        {synced.length > 0 && (
          <>
            <Caption1 className={s.muted}>From the data source (read-only)</Caption1>
            <ul className={s.tasks} aria-label="Synced tasks">
              {synced.map((t) => (
                <li key={t.id} className={s.task} style={{ paddingLeft: `${(t.level ?? 0) * 24}px` }} data-testid="synced-task" data-level={t.level ?? 0}>
                  <Checkbox checked={t.done} disabled label={t.url ? <Link href={t.url} target="_blank" rel="noreferrer">{t.title}</Link> : t.title} aria-label={`${t.done ? "Done" : "Not done"}: ${t.title}`} />
                  {t.progress !== undefined && <Caption1 className={s.muted}>{Math.round(t.progress)} %</Caption1>}
                </li>
              ))}
            </ul>
          </>
        )}
        {editable && (
          <form className={s.add} onSubmit={(e) => void addTask(e)} noValidate aria-label="Add a task">
            <Field label="New task" className={s.grow} validationMessage={fieldErrors.title}>
              <Input ref={titleInput} value={title} onChange={(_, d) => setTitle(d.value)} maxLength={300} name="taskTitle" />
            </Field>
            <Field label="Assignee (optional)" validationMessage={fieldErrors.assigneeId}>
              <Select value={assigneeId} onChange={(_, d) => setAssigneeId(d.value)} name="assignee">
                <option value="">Nobody</option>
                {personOptions(people)}
              </Select>
            </Field>
            <Field label="Due (optional)" validationMessage={fieldErrors.due}>
              <Input type="date" value={due} onChange={(_, d) => setDue(d.value)} name="due" />
            </Field>
            <Button type="submit" appearance="primary" disabled={busy} style={{ marginTop: 22 }} icon={busy ? <Spinner size="tiny" /> : undefined}>
              Add task
            </Button>
          </form>
        )}
      </Card>

      {linking && (
        <Suspense fallback={<Spinner size="tiny" />}>
          <LinkDialog
            keyResultId=""
            keyResultTitle={project.title}
            target={{ type: "project", id: project.id }}
            onClose={() => setLinking(false)}
            onSaved={(link) => {
              setLinking(false);
              setLinkKey((k) => k + 1);
              setNotice({ intent: "success", text: `Linked to ${link.integration?.displayName ?? "a data source"}; tasks arrive with the first sync.` });
              setTimeout(() => void load(), 3000);
            }}
          />
        </Suspense>
      )}
    </article>
  );
}
