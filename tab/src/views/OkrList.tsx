import {
  Button,
  Caption1,
  Card,
  Link,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  MessageBar,
  MessageBarBody,
  SearchBox,
  Select,
  Spinner,
  Subtitle2,
  Text,
  Tooltip,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { Suspense, lazy, useCallback, useEffect, useMemo, useState } from "react";
import { errorMessage } from "../api.js";
import { ProgressBar, StatusBadge } from "../components/Progress.js";
import { formatScore, formatTarget, formatValue, kindLabel } from "../format.js";
import { CheckInDialog } from "../forms/CheckInDialog.js";
import { CarryOverDialog, CloseObjectiveDialog } from "../forms/CloseDialogs.js";
import { CONFLICT_MESSAGE } from "../forms/formKit.js";
import { KeyResultDialog } from "../forms/KeyResultDialog.js";
import { ObjectiveDialog } from "../forms/ObjectiveDialog.js";
import { canEditKeyResult, canManage, optimisticCheckIn } from "../okrState.js";
import { href } from "../router.js";
import { useSession, type Session } from "../session.js";
import type { CheckIn, KeyResult, Objective, Status } from "../types.js";
import { ApiRequestError } from "../api.js";
import { ProjectList } from "./ProjectList.js";
import { periodOptions } from "../forms/selectOptions.js";

const LinkDialog = lazy(() => import("../integrations/LinkDialog.js"));

export type Scope = { kind: "my" } | { kind: "org" } | { kind: "team"; teamId: string };

const useStyles = makeStyles({
  toolbar: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalM, alignItems: "flex-end", marginBottom: tokens.spacingVerticalL },
  filter: { display: "flex", flexDirection: "column", gap: "2px", minWidth: "140px" },
  search: { flex: "1 1 200px", maxWidth: "360px" },
  list: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  header: { display: "grid", gridTemplateColumns: "auto 1fr minmax(140px, 240px) auto", alignItems: "center", gap: tokens.spacingHorizontalM, "@media (max-width: 600px)": { gridTemplateColumns: "auto 1fr auto" } },
  headerBar: { "@media (max-width: 600px)": { gridColumn: "2 / 4" } },
  titleBlock: { display: "flex", flexDirection: "column", minWidth: 0 },
  meta: { color: tokens.colorNeutralForeground3, display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  krList: { listStyle: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS, borderTop: `1px solid ${tokens.colorNeutralStroke2}`, paddingTop: tokens.spacingVerticalS },
  kr: { display: "grid", gridTemplateColumns: "1fr minmax(140px, 240px) auto", alignItems: "center", gap: tokens.spacingHorizontalM, paddingLeft: "40px", "@media (max-width: 600px)": { gridTemplateColumns: "1fr auto", paddingLeft: "8px" } },
  krBar: { "@media (max-width: 600px)": { gridColumn: "1 / 3", gridRow: 2 } },
  empty: { padding: tokens.spacingVerticalXXL, textAlign: "center", color: tokens.colorNeutralForeground3 },
});

async function loadObjectives(session: Session, scope: Scope, periodId: string, q: string): Promise<Objective[]> {
  const { api, me } = session;
  const base = `/objectives?periodId=${encodeURIComponent(periodId)}${q ? `&q=${encodeURIComponent(q)}` : ""}`;
  if (scope.kind === "org") return api.all<Objective>(base);
  if (scope.kind === "team") return api.all<Objective>(`${base}&teamId=${encodeURIComponent(scope.teamId)}`);
  // Mine: owned by me, by a team I belong to, or holding a KR I own.
  const lists = await Promise.all([
    api.all<Objective>(`${base}&owner=${encodeURIComponent(me.user.id)}`),
    ...[...session.myTeamIds].map((teamId) => api.all<Objective>(`${base}&teamId=${encodeURIComponent(teamId)}`)),
  ]);
  const byId = new Map(lists.flat().map((o) => [o.id, o]));
  const myKrs = await api.all<KeyResult>(`/key-results?owner=${encodeURIComponent(me.user.id)}`);
  const missing = [...new Set(myKrs.map((k) => k.objectiveId))].filter((id) => !byId.has(id));
  const extra = await Promise.all(missing.map((id) => api.get<Objective>(`/objectives/${id}`)));
  const needle = q.toLowerCase();
  for (const o of extra) if (o.periodId === periodId && (!needle || o.title.toLowerCase().includes(needle))) byId.set(o.id, o);
  return [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

type DialogState =
  | { kind: "newObjective" }
  | { kind: "editObjective"; objective: Objective }
  | { kind: "newKr"; objective: Objective }
  | { kind: "editKr"; objective: Objective; kr: KeyResult }
  | { kind: "checkIn"; objective: Objective; kr: KeyResult }
  | { kind: "link"; objective: Objective; kr: KeyResult }
  | { kind: "close"; objective: Objective }
  | { kind: "carry"; objective: Objective };

export function OkrList({ scope, title }: { scope: Scope; title: string }) {
  const s = useStyles();
  const session = useSession();
  const { api, periods } = session;
  const [periodId, setPeriodId] = useState(() => periods.find((p) => p.current)?.id ?? periods[0]?.id ?? "");
  const [statusFilter, setStatusFilter] = useState<Status | "closed" | "">("");
  const [teamFilter, setTeamFilter] = useState("");
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [objectives, setObjectives] = useState<Objective[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<{ intent: "success" | "warning" | "error"; text: string } | undefined>();
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<DialogState | undefined>();

  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);

  const effectiveScope: Scope = scope.kind === "org" && teamFilter ? { kind: "team", teamId: teamFilter } : scope;
  const scopeKey = JSON.stringify(effectiveScope);
  const reload = useCallback(async () => {
    if (!periodId) return;
    setError(undefined);
    try {
      setObjectives(await loadObjectives(session, JSON.parse(scopeKey) as Scope, periodId, query));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [session, scopeKey, periodId, query]);

  useEffect(() => {
    setObjectives(undefined);
    void reload();
  }, [reload]);

  const visible = useMemo(
    () =>
      (objectives ?? []).filter((o) => {
        if (!statusFilter) return true;
        if (statusFilter === "closed") return o.state === "closed";
        return o.state === "active" && o.status === statusFilter;
      }),
    [objectives, statusFilter],
  );

  const replace = (objective: Objective) => setObjectives((list) => list?.map((o) => (o.id === objective.id ? objective : o)));
  const refreshOne = async (id: string) => replace(await api.get<Objective>(`/objectives/${id}`));
  const toggle = (id: string) =>
    setExpanded((set) => {
      const next = new Set(set);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const checkIn = async (objective: Objective, kr: KeyResult, input: { id: string; value: number; status: Status | null; note: string }) => {
    const before = objectives;
    replace({ ...objective, keyResults: objective.keyResults.map((k) => (k.id === kr.id ? optimisticCheckIn(k, input.value, input.status) : k)) });
    try {
      await api.post<{ checkIn: CheckIn; keyResult: KeyResult }>(`/key-results/${kr.id}/check-ins`, input);
      await refreshOne(objective.id);
      setNotice({ intent: "success", text: `Checked in ${formatValue(kr.measurement, input.value)} on “${kr.title}”.` });
    } catch (e) {
      setObjectives(before);
      throw e;
    }
  };

  const runAction = async (action: () => Promise<void>, success: string) => {
    setNotice(undefined);
    try {
      await action();
      setNotice({ intent: "success", text: success });
    } catch (e) {
      if (e instanceof ApiRequestError && e.isConflict) {
        setNotice({ intent: "warning", text: CONFLICT_MESSAGE });
        await reload();
      } else setNotice({ intent: "error", text: errorMessage(e) });
    }
  };

  const deleteObjective = (o: Objective) => {
    if (!window.confirm(`Delete “${o.title}” with its key results, check-ins and feed?`)) return;
    const before = objectives;
    setObjectives((list) => list?.filter((x) => x.id !== o.id));
    void runAction(async () => {
      try {
        await api.request("DELETE", `/objectives/${o.id}`, { version: o.version });
      } catch (e) {
        setObjectives(before);
        throw e;
      }
    }, `Deleted “${o.title}”.`);
  };

  const reopen = (o: Objective) => void runAction(async () => replace(await api.post<Objective>(`/objectives/${o.id}/reopen`, { version: o.version })), `Reopened “${o.title}”.`);

  const teamsForFilter = session.teams;
  const canCreate = scope.kind !== "team" || session.managedTeams.some((t) => t.id === scope.teamId);

  return (
    <section aria-label={title}>
      <div className={s.toolbar} role="search">
        <div className={s.filter}>
          <label htmlFor="period-picker">
            <Caption1>Period</Caption1>
          </label>
          <Select id="period-picker" value={periodId} onChange={(_, d) => setPeriodId(d.value)}>
            {periodOptions(periods)}
          </Select>
        </div>
        <div className={s.filter}>
          <label htmlFor="status-filter">
            <Caption1>Status</Caption1>
          </label>
          <Select id="status-filter" value={statusFilter} onChange={(_, d) => setStatusFilter(d.value as Status | "closed" | "")}>
            <option value="">All</option>
            <option value="on_track">On track</option>
            <option value="behind">Behind</option>
            <option value="at_risk">At risk</option>
            <option value="closed">Closed</option>
          </Select>
        </div>
        {scope.kind === "org" && (
          <div className={s.filter}>
            <label htmlFor="team-filter">
              <Caption1>Team</Caption1>
            </label>
            <Select id="team-filter" value={teamFilter} onChange={(_, d) => setTeamFilter(d.value)}>
              <option value="">All owners</option>
              {teamsForFilter.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </Select>
          </div>
        )}
        <SearchBox className={s.search} placeholder="Search objectives" aria-label="Search objectives" value={search} onChange={(_, d) => setSearch(d.value)} />
        {canCreate && (
          <Button appearance="primary" onClick={() => setDialog({ kind: "newObjective" })}>
            New objective
          </Button>
        )}
      </div>

      {notice && (
        <MessageBar intent={notice.intent} role={notice.intent === "success" ? "status" : "alert"} data-testid="notice" style={{ marginBottom: 12 }}>
          <MessageBarBody>{notice.text}</MessageBarBody>
        </MessageBar>
      )}
      {error ? (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>
            {error}{" "}
            <Link as="button" onClick={() => void reload()}>
              Retry
            </Link>
          </MessageBarBody>
        </MessageBar>
      ) : !objectives ? (
        <Spinner label="Loading objectives…" />
      ) : visible.length === 0 ? (
        <div className={s.empty} data-testid="empty">
          <Text>{objectives.length === 0 ? (scope.kind === "my" ? "You have no objectives in this period yet." : "No objectives in this period yet.") : "No objective matches these filters."}</Text>
        </div>
      ) : (
        <ul className={s.list} style={{ listStyle: "none", margin: 0, padding: 0 }} aria-label="Objectives">
          {visible.map((o) => {
            const open = expanded.has(o.id);
            const manage = canManage(session, o);
            const closed = o.state === "closed";
            const period = periods.find((p) => p.id === o.periodId);
            return (
              <li key={o.id}>
                <Card data-testid="objective" data-objective-id={o.id}>
                  <div className={s.header}>
                    <Button
                      appearance="subtle"
                      aria-expanded={open}
                      aria-controls={`krs-${o.id}`}
                      aria-label={`${open ? "Collapse" : "Expand"} ${o.title}`}
                      onClick={() => toggle(o.id)}
                      icon={<span aria-hidden>{open ? "▾" : "▸"}</span>}
                    />
                    <div className={s.titleBlock}>
                      <Subtitle2 as="h3" style={{ margin: 0 }}>
                        {o.title}
                      </Subtitle2>
                      <div className={s.meta}>
                        <Caption1>{session.ownerName(o.owner)}</Caption1>
                        <Caption1>· {o.keyResults.length} key results</Caption1>
                        {o.carriedFromId && <Caption1>· carried over</Caption1>}
                        {closed && <Caption1>· score {formatScore(o.score)}</Caption1>}
                        <StatusBadge status={o.status} closed={closed} />
                      </div>
                    </div>
                    <div className={s.headerBar}>
                      <ProgressBar progress={o.progress} expected={o.expectedProgress} status={o.status} closed={closed} label={`Progress of ${o.title}`} />
                    </div>
                    {manage ? (
                      <Menu>
                        <MenuTrigger disableButtonEnhancement>
                          <Button appearance="subtle" aria-label={`Actions for ${o.title}`} icon={<span aria-hidden>⋯</span>} />
                        </MenuTrigger>
                        <MenuPopover>
                          <MenuList>
                            <MenuItem onClick={() => setDialog({ kind: "editObjective", objective: o })}>Edit</MenuItem>
                            {!closed && <MenuItem onClick={() => setDialog({ kind: "newKr", objective: o })}>Add key result</MenuItem>}
                            {closed ? <MenuItem onClick={() => reopen(o)}>Reopen</MenuItem> : <MenuItem onClick={() => setDialog({ kind: "close", objective: o })}>Close and score</MenuItem>}
                            <MenuItem onClick={() => setDialog({ kind: "carry", objective: o })}>Carry over</MenuItem>
                            <MenuItem onClick={() => deleteObjective(o)}>Delete</MenuItem>
                          </MenuList>
                        </MenuPopover>
                      </Menu>
                    ) : (
                      <span />
                    )}
                  </div>
                  {open && (
                    <ul className={s.krList} id={`krs-${o.id}`} aria-label={`Key results of ${o.title}`}>
                      {o.keyResults.length === 0 && (
                        <li className={s.kr}>
                          <Text>No key results yet.</Text>
                        </li>
                      )}
                      {o.keyResults.map((kr) => (
                        <li key={kr.id} className={s.kr} data-testid="kr">
                          <div className={s.titleBlock}>
                            <Link href={href(`/kr/${kr.id}`)}>{kr.title}</Link>
                            <div className={s.meta}>
                              <Caption1>
                                {formatValue(kr.measurement, kr.current)} · {formatTarget(kr.measurement)} · {kindLabel[kr.measurement.kind]}
                              </Caption1>
                              {kr.ownerUserId && <Caption1>· {session.userName(kr.ownerUserId)}</Caption1>}
                              {kr.lastCheckIn?.source === "integration" && (
                                <Tooltip content="Updated by a data source" relationship="label">
                                  <Caption1>· synced</Caption1>
                                </Tooltip>
                              )}
                            </div>
                          </div>
                          <div className={s.krBar}>
                            <ProgressBar progress={kr.progress} expected={kr.expectedProgress} status={kr.status} closed={closed} label={`Progress of ${kr.title}`} />
                          </div>
                          {!closed && canEditKeyResult(session, o, kr) ? (
                            <div style={{ display: "flex", gap: 4, alignItems: "center" }}>
                              <Button size="small" onClick={() => setDialog({ kind: "checkIn", objective: o, kr })} aria-label={`Check in on ${kr.title}`}>
                                Check in
                              </Button>
                              <Menu>
                                <MenuTrigger disableButtonEnhancement>
                                  <Button size="small" appearance="subtle" aria-label={`More for ${kr.title}`} icon={<span aria-hidden>⋯</span>} />
                                </MenuTrigger>
                                <MenuPopover>
                                  <MenuList>
                                    <MenuItem onClick={() => setDialog({ kind: "editKr", objective: o, kr })}>Edit</MenuItem>
                                    <MenuItem onClick={() => setDialog({ kind: "link", objective: o, kr })}>Connect data source…</MenuItem>
                                  </MenuList>
                                </MenuPopover>
                              </Menu>
                            </div>
                          ) : (
                            <span />
                          )}
                        </li>
                      ))}
                    </ul>
                  )}
                  {open && <ProjectList objective={o} canCreate={manage && !closed} />}
                  {open && period && <Caption1 className={s.meta}>{period.name}: {period.startDate} – {period.endDate}</Caption1>}
                </Card>
              </li>
            );
          })}
        </ul>
      )}

      {dialog?.kind === "newObjective" && (
        <ObjectiveDialog
          defaultPeriodId={periodId}
          defaultTeamId={scope.kind === "team" ? scope.teamId : undefined}
          alignable={objectives ?? []}
          onClose={() => setDialog(undefined)}
          onSaved={(o) => {
            setDialog(undefined);
            setNotice({ intent: "success", text: `Created “${o.title}”. Add its key results.` });
            setExpanded((set) => new Set(set).add(o.id));
            if (o.periodId === periodId) setObjectives((list) => [...(list ?? []), o]);
          }}
        />
      )}
      {dialog?.kind === "editObjective" && (
        <ObjectiveDialog
          objective={dialog.objective}
          defaultPeriodId={periodId}
          alignable={objectives ?? []}
          onClose={() => setDialog(undefined)}
          onSaved={(o) => {
            setDialog(undefined);
            setNotice({ intent: "success", text: `Saved “${o.title}”.` });
            if (o.periodId === periodId) replace(o);
            else setObjectives((list) => list?.filter((x) => x.id !== o.id));
          }}
        />
      )}
      {(dialog?.kind === "newKr" || dialog?.kind === "editKr") && (
        <KeyResultDialog
          objectiveId={dialog.objective.id}
          keyResult={dialog.kind === "editKr" ? dialog.kr : undefined}
          onClose={() => setDialog(undefined)}
          onSaved={(kr) => {
            const objectiveId = dialog.objective.id;
            setDialog(undefined);
            setNotice({ intent: "success", text: `Saved key result “${kr.title}”.` });
            setExpanded((set) => new Set(set).add(objectiveId));
            void refreshOne(objectiveId).catch((e: unknown) => setNotice({ intent: "error", text: errorMessage(e) }));
          }}
        />
      )}
      {dialog?.kind === "checkIn" && <CheckInDialog keyResult={dialog.kr} onClose={() => setDialog(undefined)} onCheckIn={(input) => checkIn(dialog.objective, dialog.kr, input)} />}
      {dialog?.kind === "link" && (
        <Suspense fallback={<Spinner size="tiny" />}>
          <LinkDialog
            keyResultId={dialog.kr.id}
            keyResultTitle={dialog.kr.title}
            onClose={() => setDialog(undefined)}
            onSaved={(link) => {
              const objectiveId = dialog.objective.id;
              setDialog(undefined);
              setNotice({ intent: "success", text: `Linked “${dialog.kr.title}” to ${link.integration?.displayName ?? "a data source"}; it syncs shortly.` });
              void refreshOne(objectiveId).catch((e: unknown) => setNotice({ intent: "error", text: errorMessage(e) }));
            }}
          />
        </Suspense>
      )}
      {dialog?.kind === "close" && (
        <CloseObjectiveDialog
          objective={dialog.objective}
          onClose={() => setDialog(undefined)}
          onSaved={(o) => {
            setDialog(undefined);
            replace(o);
            setNotice({ intent: "success", text: `Closed “${o.title}” with score ${formatScore(o.score)}.` });
          }}
        />
      )}
      {dialog?.kind === "carry" && (
        <CarryOverDialog
          objective={dialog.objective}
          onClose={() => setDialog(undefined)}
          onSaved={(o) => {
            setDialog(undefined);
            setNotice({ intent: "success", text: `Carried “${o.title}” over to ${periods.find((p) => p.id === o.periodId)?.name ?? "the new period"}.` });
          }}
        />
      )}
    </section>
  );
}
