import { Button, Caption1, MessageBar, MessageBarBody, Spinner, Text, makeStyles, tokens } from "@fluentui/react-components";
import { Suspense, lazy, useCallback, useEffect, useState } from "react";
import { ApiRequestError, errorMessage } from "../api.js";
import { formatDateTime } from "../format.js";
import { useSession } from "../session.js";
import { PushUrl } from "./PushUrl.js";
import type { Link, RefreshResult } from "./types.js";

const LinkDialog = lazy(() => import("./LinkDialog.js"));

const useStyles = makeStyles({
  panel: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXS, padding: tokens.spacingHorizontalM, border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium, maxWidth: "640px" },
  row: { display: "flex", gap: tokens.spacingHorizontalS, alignItems: "center", flexWrap: "wrap" },
});

/** The KR's (or, with a `/projects/<id>` base, the project's) link, or null when not linked (404). */
export async function loadLink(api: ReturnType<typeof useSession>["api"], keyResultId: string, base = `/key-results/${keyResultId}`): Promise<Link | null> {
  try {
    return await api.get<Link>(`${base}/link`);
  } catch (e) {
    if (e instanceof ApiRequestError && e.status === 404) return null;
    throw e;
  }
}

/**
 * A KR's data source on its detail page: not linked → "Connect data source…" (for people who may
 * edit the KR); linked → the integration's icon, status, "last synced …", the failure reason,
 * Refresh (the new value or the error), Change and Unlink (the value stays).
 */
export function LinkPanel(props: {
  keyResultId: string;
  keyResultTitle: string;
  /** A project's link instead: shown only once linked (the project view offers "Add tasks"). */
  target?: { type: "project"; id: string };
  editable: boolean;
  onValueChanged: () => void;
}) {
  const forProject = props.target?.type === "project";
  const base = forProject ? `/projects/${props.target!.id}` : `/key-results/${props.keyResultId}`;
  const s = useStyles();
  const { api } = useSession();
  const [link, setLink] = useState<Link | null | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [result, setResult] = useState<{ intent: "success" | "error"; text: string } | undefined>();
  const [busy, setBusy] = useState<"refresh" | "unlink" | "regenerate" | undefined>();
  /** A regenerated push URL: shown once, until the page is left. */
  const [newPushUrl, setNewPushUrl] = useState<string | undefined>();
  const [dialog, setDialog] = useState(false);

  const load = useCallback(async () => {
    try {
      setLink(await loadLink(api, props.keyResultId, base));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api, props.keyResultId, base]);
  useEffect(() => {
    void load();
  }, [load]);

  const refresh = async () => {
    setBusy("refresh");
    setResult(undefined);
    try {
      const r = await api.post<RefreshResult>(`${base}/link/refresh`);
      setLink(r.link);
      setResult({ intent: "success", text: forProject ? `Synced${r.details ? `: ${r.details}` : ""}${r.changed ? "" : " · unchanged"}` : `Synced: ${r.value?.toLocaleString() ?? "—"}${r.details ? ` (${r.details})` : ""}${r.changed ? "" : " · unchanged"}` });
      props.onValueChanged();
    } catch (e) {
      setResult({ intent: "error", text: `Refresh failed: ${errorMessage(e)}` });
      await load();
    } finally {
      setBusy(undefined);
    }
  };

  const unlink = async () => {
    if (!window.confirm(forProject ? "Unlink the data source? The tasks stay as last synced." : "Unlink the data source? The key result keeps its value and history; you check in by hand again.")) return;
    setBusy("unlink");
    try {
      await api.delete(`${base}/link`);
      setLink(null);
      setResult({ intent: "success", text: forProject ? "Unlinked. The tasks are kept." : "Unlinked. The value is kept." });
      if (forProject) props.onValueChanged();
    } catch (e) {
      setResult({ intent: "error", text: errorMessage(e) });
    } finally {
      setBusy(undefined);
    }
  };

  const regenerate = async () => {
    if (!window.confirm("Regenerate the secret URL? The old URL stops working at once: update Zapier or your script with the new one.")) return;
    setBusy("regenerate");
    setResult(undefined);
    try {
      const r = await api.post<Link>(`${base}/link/push-url`);
      setLink(r);
      setNewPushUrl(r.pushUrl);
    } catch (e) {
      setResult({ intent: "error", text: errorMessage(e) });
    } finally {
      setBusy(undefined);
    }
  };

  if (error) return <Caption1>Data source: {error}</Caption1>;
  if (link === undefined) return null;

  return (
    <>
      {link === null ? (
        props.editable && !forProject && (
          <div>
            <Button onClick={() => setDialog(true)} data-testid="connect-data-source">
              Connect data source to auto-update progress
            </Button>
            {result && <Caption1 block>{result.text}</Caption1>}
          </div>
        )
      ) : (
        <section className={s.panel} aria-label="Data source" data-testid="link-panel" data-status={link.status}>
          <div className={s.row}>
            {link.integration && <img src={link.integration.icon} alt="" width={20} height={20} />}
            <Text weight="semibold">{link.integration?.displayName ?? link.integrationId}</Text>
            <Caption1 data-testid="link-status">
              {link.statusText}
              {link.lastSyncedAt ? ` · last synced ${formatDateTime(link.lastSyncedAt)}` : ""}
            </Caption1>
          </div>
          {link.lastValue !== null && (
            <Caption1>
              Last value {link.lastValue.toLocaleString()}
              {link.lastDetails ? ` · ${link.lastDetails}` : ""}
            </Caption1>
          )}
          {link.lastError && (link.status === "failed" || link.status === "paused") && (
            <Text data-testid="link-failure" style={{ color: tokens.colorPaletteRedForeground1 }}>
              Sync failed: {link.lastError.message}
            </Text>
          )}
          {link.mode === "push" && <Caption1>Values arrive at the link's secret URL.</Caption1>}
          {props.editable && (
            <div className={s.row}>
              {link.mode === "pull" && (
                <Button size="small" onClick={() => void refresh()} disabled={busy !== undefined} icon={busy === "refresh" ? <Spinner size="tiny" /> : undefined}>
                  Refresh
                </Button>
              )}
              {link.mode === "push" && (
                <Button size="small" onClick={() => void regenerate()} disabled={busy !== undefined} icon={busy === "regenerate" ? <Spinner size="tiny" /> : undefined}>
                  Regenerate URL
                </Button>
              )}
              <Button size="small" onClick={() => setDialog(true)} disabled={busy !== undefined}>
                Change
              </Button>
              <Button size="small" onClick={() => void unlink()} disabled={busy !== undefined}>
                Unlink
              </Button>
            </div>
          )}
          {newPushUrl && <PushUrl url={newPushUrl} title="New secret URL: the old one no longer works" />}
          {result && (
            <MessageBar intent={result.intent} role={result.intent === "error" ? "alert" : "status"} data-testid="refresh-result">
              <MessageBarBody>{result.text}</MessageBarBody>
            </MessageBar>
          )}
        </section>
      )}
      {dialog && (
        <Suspense fallback={<Spinner size="tiny" />}>
          <LinkDialog
            keyResultId={props.keyResultId}
            keyResultTitle={props.keyResultTitle}
            {...(props.target ? { target: props.target } : {})}
            link={link}
            onClose={() => setDialog(false)}
            onSaved={(saved) => {
              setDialog(false);
              setLink(saved);
              setResult(undefined);
              setNewPushUrl(undefined);
              // The first sync runs in the background; show its outcome shortly after.
              setTimeout(() => void load().then(props.onValueChanged), 3000);
            }}
          />
        </Suspense>
      )}
    </>
  );
}
