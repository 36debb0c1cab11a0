import {
  Body1,
  Button,
  Caption1,
  Card,
  Field,
  Link,
  MessageBar,
  MessageBarBody,
  Spinner,
  Subtitle2,
  Text,
  Textarea,
  Title3,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { Suspense, lazy, useCallback, useEffect, useState } from "react";
import { ApiRequestError, errorMessage } from "../api.js";
import { ProgressBar, StatusBadge } from "../components/Progress.js";
import { formatDateTime, formatTarget, formatValue, kindLabel } from "../format.js";
import { CheckInDialog } from "../forms/CheckInDialog.js";
import { CONFLICT_MESSAGE } from "../forms/formKit.js";
import { KeyResultDialog } from "../forms/KeyResultDialog.js";
import { LinkPanel } from "../integrations/LinkPanel.js";
import { ProjectList } from "./ProjectList.js";
import { canEditKeyResult, optimisticCheckIn } from "../okrState.js";
import { navigate } from "../router.js";
import { useSession } from "../session.js";
import type { Activity, CheckIn, KeyResult, Objective, Page, Status } from "../types.js";

const ProgressChart = lazy(() => import("./ProgressChart.js"));

const useStyles = makeStyles({
  grid: { display: "grid", gridTemplateColumns: "minmax(0, 2fr) minmax(260px, 1fr)", gap: tokens.spacingHorizontalL, "@media (max-width: 800px)": { gridTemplateColumns: "1fr" } },
  column: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL, minWidth: 0 },
  head: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalL },
  facts: { display: "flex", gap: tokens.spacingHorizontalL, flexWrap: "wrap", color: tokens.colorNeutralForeground2 },
  actions: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  feed: { listStyle: "none", padding: 0, margin: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  entry: { borderLeft: `3px solid ${tokens.colorNeutralStroke2}`, paddingLeft: tokens.spacingHorizontalM },
  comment: { borderLeft: `3px solid ${tokens.colorBrandStroke1}` },
  replies: { listStyle: "none", paddingLeft: tokens.spacingHorizontalL, margin: `${tokens.spacingVerticalS} 0 0`, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS },
  muted: { color: tokens.colorNeutralForeground3 },
});

const kindText: Record<string, string> = {
  check_in: "Check-in",
  comment: "Comment",
  created: "Created",
  edited: "Edited",
  sync: "Synced",
  closed: "Closed",
  reopened: "Reopened",
  carried_over: "Carried over",
  alignment: "Alignment",
  deleted: "Deleted",
};

function CommentBox({ onSend, label, placeholder }: { onSend: (text: string) => Promise<void>; label: string; placeholder?: string }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const send = async () => {
    if (!text.trim()) {
      setError("Write something first.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSend(text.trim());
      setText("");
    } catch (e) {
      // The text stays in the box so nothing is lost.
      setError(e instanceof ApiRequestError && e.fieldErrors.text ? e.fieldErrors.text : errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      style={{ display: "flex", flexDirection: "column", gap: 8 }}
    >
      <Field label={label} validationMessage={error}>
        <Textarea value={text} onChange={(_, d) => setText(d.value)} placeholder={placeholder} maxLength={5000} name="comment" />
      </Field>
      <div>
        <Button type="submit" appearance="primary" disabled={busy}>
          {busy ? "Sending…" : "Send"}
        </Button>
      </div>
    </form>
  );
}

/**
 * A comment's text with Edit (its author) and Delete (its author or an org admin), sent with
 * `If-Match` of the comment's version; a 409 reloads the feed.
 */
function CommentText({ comment, onChanged }: { comment: Activity; onChanged: (updated: Activity | null, notice?: string) => Promise<void> | void }) {
  const { api, me, isAdmin } = useSession();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(comment.text);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const mine = comment.authorId === me.user.id;
  const pending = comment.id.startsWith("pending-");
  const ifMatch = { "if-match": `"${comment.version}"` };

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      if (e instanceof ApiRequestError && e.isConflict) await onChanged(comment, CONFLICT_MESSAGE);
      else setError(e instanceof ApiRequestError && e.fieldErrors.text ? e.fieldErrors.text : errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const save = () =>
    run(async () => {
      if (!text.trim()) throw new Error("Write something first.");
      const updated = await api.request<Activity>("PATCH", `/comments/${comment.id}`, { text: text.trim() }, ifMatch);
      setEditing(false);
      await onChanged(updated);
    });
  const remove = () =>
    run(async () => {
      if (!window.confirm("Delete this comment and its replies?")) return;
      await api.request("DELETE", `/comments/${comment.id}`, undefined, ifMatch);
      await onChanged(null);
    });

  if (editing) {
    return (
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
        style={{ display: "flex", flexDirection: "column", gap: 8 }}
      >
        <Field label="Edit your comment" validationMessage={error}>
          <Textarea value={text} onChange={(_, d) => setText(d.value)} maxLength={5000} name="edit-comment" />
        </Field>
        <div style={{ display: "flex", gap: 8 }}>
          <Button type="submit" appearance="primary" size="small" disabled={busy}>
            Save
          </Button>
          <Button
            size="small"
            onClick={() => {
              setEditing(false);
              setText(comment.text);
              setError(undefined);
            }}
          >
            Cancel
          </Button>
        </div>
      </form>
    );
  }
  return (
    <>
      <Body1 as="p" block style={{ margin: "2px 0", whiteSpace: "pre-wrap" }} data-testid="comment-text">
        {comment.text}
      </Body1>
      {!pending && (mine || isAdmin) && (
        <div style={{ display: "flex", gap: 12 }}>
          {mine && (
            <Link
              as="button"
              onClick={() => {
                setText(comment.text);
                setEditing(true);
              }}
            >
              Edit
            </Link>
          )}
          <Link as="button" onClick={() => void remove()} disabled={busy}>
            Delete
          </Link>
        </div>
      )}
      {error && (
        <Caption1 block role="alert" style={{ color: tokens.colorPaletteRedForeground1 }}>
          {error}
        </Caption1>
      )}
    </>
  );
}

export function KeyResultDetail({ id }: { id: string }) {
  const s = useStyles();
  const session = useSession();
  const { api, periods, userName } = session;
  const [kr, setKr] = useState<KeyResult | undefined>();
  const [objective, setObjective] = useState<Objective | undefined>();
  const [checkIns, setCheckIns] = useState<CheckIn[]>([]);
  const [feed, setFeed] = useState<Activity[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<{ intent: "success" | "warning" | "error"; text: string } | undefined>();
  const [dialog, setDialog] = useState<"checkIn" | "edit" | undefined>();
  const [replyTo, setReplyTo] = useState<string | undefined>();

  const load = useCallback(async () => {
    try {
      const keyResult = await api.get<KeyResult>(`/key-results/${id}`);
      const [o, history, activity] = await Promise.all([
        api.get<Objective>(`/objectives/${keyResult.objectiveId}`),
        api.get<Page<CheckIn>>(`/key-results/${id}/check-ins?limit=100`),
        api.get<Page<Activity>>(`/key-results/${id}/activity?limit=100`),
      ]);
      setKr(keyResult);
      setObjective(o);
      setCheckIns(history.items);
      setFeed(activity.items);
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
        <MessageBarBody>{error}</MessageBarBody>
      </MessageBar>
    );
  }
  if (!kr || !objective) return <Spinner label="Loading key result…" />;

  const closed = objective.state === "closed";
  const editable = !closed && canEditKeyResult(session, objective, kr);
  const period = periods.find((p) => p.id === objective.periodId);

  const checkIn = async (input: { id: string; value: number; status: Status | null; note: string }) => {
    const before = kr;
    setKr(optimisticCheckIn(kr, input.value, input.status));
    try {
      const result = await api.post<{ checkIn: CheckIn; keyResult: KeyResult }>(`/key-results/${kr.id}/check-ins`, input);
      setKr(result.keyResult);
      setNotice({ intent: "success", text: `Checked in ${formatValue(kr.measurement, input.value)}.` });
      await load();
    } catch (e) {
      setKr(before);
      throw e;
    }
  };

  const comment = async (text: string, parentId?: string) => {
    const temp: Activity = {
      id: `pending-${crypto.randomUUID()}`,
      kind: "comment",
      subjectType: "keyResult",
      subjectId: kr.id,
      objectiveId: kr.objectiveId,
      authorId: session.me.user.id,
      origin: "tab",
      at: new Date().toISOString(),
      text,
      parentId: parentId ?? null,
      data: {},
      version: 1,
    };
    setFeed((f) => [temp, ...f]);
    try {
      const saved = await api.post<Activity>(`/key-results/${kr.id}/comments`, parentId ? { text, parentId } : { text });
      setFeed((f) => f.map((a) => (a.id === temp.id ? saved : a)));
      setReplyTo(undefined);
    } catch (e) {
      setFeed((f) => f.filter((a) => a.id !== temp.id));
      throw e;
    }
  };

  const remove = async () => {
    if (!window.confirm(`Delete the key result “${kr.title}” and its check-ins?`)) return;
    try {
      await api.request("DELETE", `/key-results/${kr.id}`, { version: kr.version });
      navigate("/my");
    } catch (e) {
      if (e instanceof ApiRequestError && e.isConflict) {
        setNotice({ intent: "warning", text: CONFLICT_MESSAGE });
        await load();
      } else setNotice({ intent: "error", text: errorMessage(e) });
    }
  };

  const commentChanged = async (updated: Activity | null, message?: string) => {
    if (message) {
      setNotice({ intent: "warning", text: message });
      await load();
    } else if (updated) setFeed((f) => f.map((a) => (a.id === updated.id ? updated : a)));
    else await load();
  };

  const topLevel = feed.filter((a) => !a.parentId);
  const repliesOf = (id: string) => feed.filter((a) => a.parentId === id).sort((a, b) => a.at.localeCompare(b.at));

  return (
    <article aria-labelledby="kr-title">
      <div className={s.head}>
        <Link onClick={() => window.history.back()} as="button">
          ← Back
        </Link>
        <Caption1 className={s.muted}>
          {objective.title} · {period?.name ?? ""}
        </Caption1>
        <Title3 as="h2" id="kr-title">
          {kr.title}
        </Title3>
        {kr.description && <Body1>{kr.description}</Body1>}
        <div className={s.facts}>
          <Text data-testid="kr-value">{formatValue(kr.measurement, kr.current)}</Text>
          <Text>{formatTarget(kr.measurement)}</Text>
          <Text>{kindLabel[kr.measurement.kind]}</Text>
          <Text>Owner: {kr.ownerUserId ? userName(kr.ownerUserId) : session.ownerName(objective.owner)}</Text>
          <Text>Weight {kr.weight}</Text>
          <StatusBadge status={kr.status} closed={closed} />
        </div>
        <div style={{ maxWidth: 480 }}>
          <ProgressBar progress={kr.progress} expected={kr.expectedProgress} status={kr.status} closed={closed} label={`Progress of ${kr.title}`} />
        </div>
        {editable && (
          <div className={s.actions}>
            <Button appearance="primary" onClick={() => setDialog("checkIn")}>
              Check in
            </Button>
            <Button onClick={() => setDialog("edit")}>Edit</Button>
            <Button onClick={() => void remove()}>Delete</Button>
          </div>
        )}
        <LinkPanel keyResultId={kr.id} keyResultTitle={kr.title} editable={editable} onValueChanged={() => void load()} />
        {notice && (
          <MessageBar intent={notice.intent} role={notice.intent === "success" ? "status" : "alert"} data-testid="notice">
            <MessageBarBody>{notice.text}</MessageBarBody>
          </MessageBar>
        )}
      </div>

      <div className={s.grid}>
        <div className={s.column}>
          <Card>
            <Subtitle2 as="h3">Progress</Subtitle2>
            <Suspense fallback={<Spinner size="small" label="Loading chart…" />}>
              <ProgressChart keyResult={kr} checkIns={checkIns} period={period} />
            </Suspense>
          </Card>
          <Card>
            <ProjectList objective={objective} keyResult={kr} canCreate={editable} />
          </Card>
          <Card>
            <Subtitle2 as="h3">Check-ins</Subtitle2>
            {checkIns.length === 0 ? (
              <Text>No check-ins yet.</Text>
            ) : (
              <ul className={s.feed} aria-label="Check-in history">
                {checkIns.slice(0, 20).map((c) => (
                  <li key={c.id} className={s.entry}>
                    <Text weight="semibold">{formatValue(kr.measurement, c.value)}</Text>{" "}
                    <Caption1 className={s.muted}>
                      {formatDateTime(c.at)} · {c.source.kind === "integration" ? "data source" : userName(c.authorId)}
                      {c.late ? " · late" : ""}
                    </Caption1>
                    {c.note && <Body1 as="p" block style={{ margin: "2px 0" }}>{c.note}</Body1>}
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
        <div className={s.column}>
          <Card>
            <Subtitle2 as="h3">Activity</Subtitle2>
            <CommentBox label="Add a comment" onSend={(text) => comment(text)} />
            <ul className={s.feed} aria-label="Activity feed" data-testid="feed">
              {topLevel.map((a) => (
                <li key={a.id} className={`${s.entry} ${a.kind === "comment" ? s.comment : ""}`} data-testid="feed-entry" data-kind={a.kind}>
                  <Caption1 block className={s.muted}>
                    {kindText[a.kind] ?? a.kind} · {a.authorId ? userName(a.authorId) : a.origin === "sync" ? "Data source" : "Pacer"} · {formatDateTime(a.at)}
                    {a.origin === "teams" ? " · from Teams" : ""}
                  </Caption1>
                  {a.kind === "comment" ? (
                    <CommentText key={`${a.id}:${a.version}`} comment={a} onChanged={commentChanged} />
                  ) : (
                    <Body1 as="p" block style={{ margin: "2px 0", whiteSpace: "pre-wrap" }}>
                      {a.text}
                    </Body1>
                  )}
                  {a.kind === "comment" && !a.id.startsWith("pending-") && (
                    <>
                      <Link as="button" onClick={() => setReplyTo(replyTo === a.id ? undefined : a.id)} aria-expanded={replyTo === a.id}>
                        Reply
                      </Link>
                      {replyTo === a.id && <CommentBox label="Your reply" onSend={(text) => comment(text, a.id)} />}
                      {repliesOf(a.id).length > 0 && (
                        <ul className={s.replies} aria-label="Replies">
                          {repliesOf(a.id).map((r) => (
                            <li key={r.id} className={`${s.entry} ${s.comment}`} data-testid="reply">
                              <Caption1 block className={s.muted}>
                                {userName(r.authorId)} · {formatDateTime(r.at)}
                              </Caption1>
                              <CommentText key={`${r.id}:${r.version}`} comment={r} onChanged={commentChanged} />
                            </li>
                          ))}
                        </ul>
                      )}
                    </>
                  )}
                </li>
              ))}
            </ul>
          </Card>
        </div>
      </div>

      {dialog === "checkIn" && <CheckInDialog keyResult={kr} onClose={() => setDialog(undefined)} onCheckIn={checkIn} />}
      {dialog === "edit" && (
        <KeyResultDialog
          objectiveId={kr.objectiveId}
          keyResult={kr}
          onClose={() => setDialog(undefined)}
          onSaved={(saved) => {
            setDialog(undefined);
            setKr(saved);
            setNotice({ intent: "success", text: "Saved." });
            void load();
          }}
        />
      )}
    </article>
  );
}
