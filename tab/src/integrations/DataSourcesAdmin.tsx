import {
  Badge,
  Button,
  Caption1,
  Card,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Link,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { useCallback, useEffect, useState } from "react";
import { ApiRequestError, errorMessage } from "../api.js";
import { formatDateTime } from "../format.js";
import { CONFLICT_MESSAGE } from "../forms/formKit.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { ConnectionEditor } from "./ConnectionEditor.js";
import type { Catalogue, Connection, Integration, LinkListItem, TestResult } from "./types.js";

const useStyles = makeStyles({
  list: { listStyle: "none", padding: 0, margin: 0, display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  item: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "center" },
  grow: { flex: 1, minWidth: 0 },
  connections: { marginLeft: "44px", display: "flex", flexDirection: "column", gap: tokens.spacingVerticalS, "@media (max-width: 600px)": { marginLeft: 0 } },
  tableWrap: { overflowX: "auto" },
  actions: { display: "flex", gap: tokens.spacingHorizontalXS, flexWrap: "wrap" },
  surface: { maxWidth: "620px", width: "calc(100vw - 32px)" },
});

const testText = (c: Connection) => (!c.lastTest ? "Not tested" : c.lastTest.ok ? `OK · ${formatDateTime(c.lastTest.at)}` : `Failed: ${c.lastTest.message}`);

type Editing = { integration: Integration; connection?: Connection };
type AllowMode = Catalogue["allowList"]["mode"];

/**
 * The tenant allow-list (shown to the tenant admin only, as the API says in `you.tenantAdmin`):
 * all integrations, none, or a selection. Integrations outside it show as not allowed.
 */
function AllowListEditor({ catalogue, onSaved }: { catalogue: Catalogue; onSaved: (c: Catalogue) => Promise<void> }) {
  const { api } = useSession();
  const [mode, setMode] = useState<AllowMode>(catalogue.allowList.mode);
  const [selected, setSelected] = useState<Set<string>>(new Set(catalogue.allowList.integrationIds));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ intent: "success" | "error" | "warning"; text: string } | undefined>();

  const save = async () => {
    if (mode === "selected" && selected.size === 0) {
      setMessage({ intent: "error", text: "Tick at least one integration, or choose “None”." });
      return;
    }
    setBusy(true);
    setMessage(undefined);
    try {
      const c = await api.put<Catalogue>("/integrations/allow-list", { mode, integrationIds: mode === "selected" ? [...selected] : [], version: catalogue.version });
      await onSaved(c);
      setMessage({ intent: "success", text: "Saved which integrations your tenant allows." });
    } catch (e) {
      if (e instanceof ApiRequestError && e.isConflict) {
        await onSaved(await api.get<Catalogue>("/integrations"));
        setMessage({ intent: "warning", text: CONFLICT_MESSAGE });
      } else setMessage({ intent: "error", text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="Allowed integrations" data-testid="allow-list">
      <Subtitle2 as="h4">Allowed integrations</Subtitle2>
      <Caption1 block>As the tenant admin you decide which integrations this tenant may use; links of integrations you disallow pause (values kept).</Caption1>
      <RadioGroup value={mode} onChange={(_, d) => setMode(d.value as AllowMode)} layout="horizontal" aria-label="Allowed integrations">
        <Radio value="all" label="All" />
        <Radio value="none" label="None" />
        <Radio value="selected" label="A selection" />
      </RadioGroup>
      {mode === "selected" && (
        <div role="group" aria-label="Integrations to allow">
          {catalogue.items.map((i) => (
            <Checkbox
              key={i.id}
              label={i.displayName}
              checked={selected.has(i.id)}
              onChange={(_, d) =>
                setSelected((prev) => {
                  const next = new Set(prev);
                  if (d.checked) next.add(i.id);
                  else next.delete(i.id);
                  return next;
                })
              }
            />
          ))}
        </div>
      )}
      {message && (
        <MessageBar intent={message.intent} role={message.intent === "success" ? "status" : "alert"} data-testid="allow-list-message">
          <MessageBarBody>{message.text}</MessageBarBody>
        </MessageBar>
      )}
      <div>
        <Button size="small" appearance="primary" disabled={busy} onClick={() => void save()}>
          Save allowed integrations
        </Button>
      </div>
    </section>
  );
}

/**
 * Admin → Data sources: the catalogue with enable / disable (org admins), and per enabled
 * integration its connections (new, edit, test, delete with the key results it affects) and the
 * links that fail to sync, with the reason.
 */
export function DataSourcesAdmin() {
  const s = useStyles();
  const { api, me, userName, isAdmin } = useSession();
  const [catalogue, setCatalogue] = useState<Catalogue | undefined>();
  const [connections, setConnections] = useState<Record<string, Connection[]>>({});
  const [links, setLinks] = useState<LinkListItem[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<{ intent: "success" | "error"; text: string } | undefined>();
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState<string | undefined>();
  const [editing, setEditing] = useState<Editing | undefined>();
  const [deleting, setDeleting] = useState<Connection | undefined>();

  const loadDetails = useCallback(
    async (c: Catalogue) => {
      const enabled = c.items.filter((i) => i.state === "enabled");
      const lists = await Promise.all(enabled.map(async (i) => [i.id, (await api.get<{ items: Connection[] }>(`/integrations/${i.id}/connections`)).items] as const));
      setConnections(Object.fromEntries(lists));
      setLinks((await api.get<{ items: LinkListItem[] }>("/integrations/links")).items);
    },
    [api],
  );

  const load = useCallback(async () => {
    try {
      const c = await api.get<Catalogue>("/integrations");
      setCatalogue(c);
      await loadDetails(c);
    } catch (e) {
      if (e instanceof ApiRequestError && e.status === 404) setMissing(true);
      else setError(errorMessage(e));
    }
  }, [api, loadDetails]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (key: string, action: () => Promise<void>) => {
    setBusy(key);
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
    } catch (e) {
      setNotice({ intent: "error", text: errorMessage(e) });
    } finally {
      setBusy(undefined);
    }
  };

  const toggle = (item: Integration) =>
    act(item.id, async () => {
      const c = await api.post<Catalogue>(`/integrations/${item.id}/${item.state === "enabled" ? "disable" : "enable"}`, {});
      setCatalogue(c);
      await loadDetails(c);
    });

  const testSaved = (c: Connection) =>
    act(`test:${c.id}`, async () => {
      const result = await api.post<TestResult>(`/connections/${c.id}/test`);
      setNotice({ intent: result.ok ? "success" : "error", text: `${c.name}: ${result.ok ? "connection works" : "test failed"}. ${result.message}` });
      if (catalogue) await loadDetails(catalogue);
    });

  const remove = (c: Connection) =>
    act(`delete:${c.id}`, async () => {
      await api.request("DELETE", `/connections/${c.id}`, { version: c.version });
      setDeleting(undefined);
      setNotice({ intent: "success", text: `Deleted the connection “${c.name}”.` });
      if (catalogue) await loadDetails(catalogue);
    });

  const linksOf = (c: Connection) => links.filter((l) => l.connectionId === c.id);
  const failing = links.filter((l) => l.status === "failed" || l.status === "paused");
  const canEdit = (c: Connection) => isAdmin || c.createdBy === me.user.id;

  return (
    <Card data-testid="data-sources">
      <Subtitle2 as="h3">Data sources</Subtitle2>
      {error && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      {notice && (
        <MessageBar intent={notice.intent} role={notice.intent === "error" ? "alert" : "status"} data-testid="data-sources-notice">
          <MessageBarBody>{notice.text}</MessageBarBody>
        </MessageBar>
      )}
      {missing ? (
        <Text>This Pacer server does not offer integrations.</Text>
      ) : !catalogue ? (
        !error && <Text>Loading…</Text>
      ) : (
        <>
        {catalogue.you.tenantAdmin && (
          <AllowListEditor
            catalogue={catalogue}
            onSaved={async (c) => {
              setCatalogue(c);
              await loadDetails(c);
            }}
          />
        )}
        <ul className={s.list} aria-label="Integrations" data-testid="integrations">
          {catalogue.items.map((item) => (
            <li key={item.id} data-testid="integration" data-integration={item.id}>
              <div className={s.item}>
                <img src={item.icon} alt="" width={32} height={32} />
                <div className={s.grow}>
                  <Text weight="semibold" block data-testid="integration-state">
                    {item.displayName} · {item.allowed ? item.state : "not allowed by your tenant"}
                  </Text>
                  <Text size={200} block>
                    {item.description}
                  </Text>
                </div>
                {catalogue.you.orgAdmin && item.allowed && (
                  <Button size="small" disabled={busy === item.id} onClick={() => void toggle(item)} aria-label={`${item.state === "enabled" ? "Disable" : "Enable"} ${item.displayName}`}>
                    {item.state === "enabled" ? "Disable" : "Enable"}
                  </Button>
                )}
              </div>
              {item.state === "enabled" && (
                <div className={s.connections}>
                  {(connections[item.id] ?? []).length === 0 ? (
                    <Caption1>No connections yet.</Caption1>
                  ) : (
                    <div className={s.tableWrap}>
                      <Table size="small" aria-label={`${item.displayName} connections`}>
                        <TableHeader>
                          <TableRow>
                            <TableHeaderCell>Connection</TableHeaderCell>
                            <TableHeaderCell>Access</TableHeaderCell>
                            <TableHeaderCell>Owner</TableHeaderCell>
                            <TableHeaderCell>Status</TableHeaderCell>
                            <TableHeaderCell>Linked KRs</TableHeaderCell>
                            <TableHeaderCell />
                          </TableRow>
                        </TableHeader>
                        <TableBody>
                          {(connections[item.id] ?? []).map((c) => (
                            <TableRow key={c.id} data-testid="connection">
                              <TableCell>{c.name}</TableCell>
                              <TableCell>{c.visibility === "shared" ? "Shared" : "Private"}</TableCell>
                              <TableCell>{userName(c.createdBy)}</TableCell>
                              <TableCell data-testid="connection-status">{testText(c)}</TableCell>
                              <TableCell>{linksOf(c).length}</TableCell>
                              <TableCell>
                                <div className={s.actions}>
                                  <Button size="small" onClick={() => void testSaved(c)} disabled={busy !== undefined} aria-label={`Test ${c.name}`}>
                                    Test
                                  </Button>
                                  {canEdit(c) && (
                                    <>
                                      <Button size="small" onClick={() => setEditing({ integration: item, connection: c })} aria-label={`Edit ${c.name}`}>
                                        Edit
                                      </Button>
                                      <Button size="small" onClick={() => setDeleting(c)} aria-label={`Delete ${c.name}`}>
                                        Delete
                                      </Button>
                                    </>
                                  )}
                                </div>
                              </TableCell>
                            </TableRow>
                          ))}
                        </TableBody>
                      </Table>
                    </div>
                  )}
                  {catalogue.you.canCreateConnections && (
                    <div>
                      <Button size="small" appearance="primary" onClick={() => setEditing({ integration: item })} aria-label={`New ${item.displayName} connection`}>
                        New connection
                      </Button>
                    </div>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
        </>
      )}

      {catalogue && (
        <section aria-label="Sync health" data-testid="sync-health">
          <Subtitle2 as="h4">Sync health</Subtitle2>
          {failing.length === 0 ? (
            <Text block>{links.length ? `All ${links.length} linked key results sync.` : "No key results are linked yet."}</Text>
          ) : (
            <ul className={s.list}>
              {failing.map((l) => (
                <li key={l.keyResultId} data-testid="failing-link">
                  <Badge appearance="tint" color={l.status === "failed" ? "danger" : "warning"}>
                    {l.statusText}
                  </Badge>{" "}
                  <Link href={href(l.target.type === "project" ? `/project/${l.target.id}` : `/kr/${l.keyResultId}`)}>{l.keyResultTitle}</Link>
                  <Caption1 block>
                    {l.integration?.displayName ?? l.integrationId}
                    {l.connectionName ? ` · ${l.connectionName}` : ""}
                    {l.lastError ? ` · ${l.lastError.message} (${formatDateTime(l.lastError.at)})` : ""}
                    {l.lastSyncedAt ? ` · last synced ${formatDateTime(l.lastSyncedAt)}` : ""}
                  </Caption1>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      {editing && (
        <Dialog open onOpenChange={(_, d) => !d.open && setEditing(undefined)} modalType="modal">
          <DialogSurface className={s.surface} data-testid="connection-dialog">
            <DialogBody>
              <DialogTitle>
                {editing.connection ? `Edit ${editing.connection.name}` : `New ${editing.integration.displayName} connection`}
              </DialogTitle>
              <DialogContent>
                <ConnectionEditor
                  integration={editing.integration}
                  connection={editing.connection}
                  onCancel={() => setEditing(undefined)}
                  onSaved={(c) => {
                    setEditing(undefined);
                    setNotice({ intent: "success", text: `Saved the connection “${c.name}”.` });
                    if (catalogue) void loadDetails(catalogue);
                  }}
                />
              </DialogContent>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      )}

      {deleting && (
        <Dialog open onOpenChange={(_, d) => !d.open && setDeleting(undefined)} modalType="alert">
          <DialogSurface className={s.surface} data-testid="delete-connection-dialog">
            <DialogBody>
              <DialogTitle>Delete “{deleting.name}”?</DialogTitle>
              <DialogContent>
                {linksOf(deleting).length === 0 ? (
                  <Text>No key result uses this connection.</Text>
                ) : (
                  <>
                    <MessageBar intent="warning">
                      <MessageBarBody>
                        {linksOf(deleting).length === 1 ? "1 key result stops" : `${linksOf(deleting).length} key results stop`} syncing; each keeps its last value and shows “connection removed”.
                      </MessageBarBody>
                    </MessageBar>
                    <ul data-testid="affected-krs">
                      {linksOf(deleting).map((l) => (
                        <li key={l.keyResultId}>{l.keyResultTitle}</li>
                      ))}
                    </ul>
                  </>
                )}
              </DialogContent>
              <DialogActions>
                <Button onClick={() => setDeleting(undefined)}>Cancel</Button>
                <Button appearance="primary" disabled={busy !== undefined} onClick={() => void remove(deleting)}>
                  Delete connection
                </Button>
              </DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      )}
    </Card>
  );
}
