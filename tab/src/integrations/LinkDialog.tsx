import {
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { useEffect, useMemo, useState } from "react";
import { ApiRequestError, errorMessage } from "../api.js";
import type { FieldErrors } from "../forms/formKit.js";
import { useSession } from "../session.js";
import { ConnectionEditor } from "./ConnectionEditor.js";
import { PushUrl } from "./PushUrl.js";
import { ResourcePicker } from "./ResourcePicker.js";
import { SchemaForm, errorsUnder, initialValues, toPayload, type FormValues } from "./SchemaForm.js";
import { asObjectSchema, hasFields, type Catalogue, type Connection, type Link as KrLink, type ProjectPreview, type ValuePreview } from "./types.js";

const useStyles = makeStyles({
  surface: { maxWidth: "640px", width: "calc(100vw - 32px)" },
  form: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  // The actions' grid column is only as wide as the buttons' shortest form: keep each label on one line.
  actions: { whiteSpace: "nowrap" },
});

/** Enum values in people's words, per integration and field. */
const optionLabels: Record<string, Record<string, Record<string, string>>> = {
  azuredevops: { measure: { percentCompleted: "% of work items completed", countTotal: "Number of work items", countCompleted: "Number of completed work items" } },
};

/**
 * "Connect data source to auto-update progress": integration → connection (auto-selected when
 * one is usable, else created inline) → the source form (from the connector's sourceConfig
 * schema, with a picker over the connector's resources when it lists any) → Preview → Save. Push links (webhook) show
 * their secret URL once, after saving.
 */
export default function LinkDialog(props: {
  keyResultId: string;
  keyResultTitle: string;
  /** Link a project instead of the key result ("Add tasks → Automatically from a data source"). */
  target?: { type: "project"; id: string };
  link?: KrLink | null;
  onClose: () => void;
  onSaved: (link: KrLink) => void;
}) {
  const forProject = props.target?.type === "project";
  const base = forProject ? `/projects/${props.target!.id}` : `/key-results/${props.keyResultId}`;
  const s = useStyles();
  const { api, me } = useSession();
  const [catalogue, setCatalogue] = useState<Catalogue | undefined>();
  const [integrationId, setIntegrationId] = useState(props.link?.integrationId ?? "");
  const [connections, setConnections] = useState<Connection[] | undefined>();
  const [connectionId, setConnectionId] = useState(props.link?.connectionId ?? "");
  const [creating, setCreating] = useState(false);
  const [source, setSource] = useState<FormValues>({});
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | undefined>();
  const [preview, setPreview] = useState<ValuePreview | ProjectPreview | undefined>();
  const [busy, setBusy] = useState<"preview" | "save" | undefined>();
  const [saved, setSaved] = useState<KrLink | undefined>();

  useEffect(() => {
    api.get<Catalogue>("/integrations").then(
      (c) => {
        setCatalogue(c);
        const enabled = c.items.filter((i) => i.state === "enabled" && !(forProject && i.mode === "push"));
        if (!props.link && enabled.length === 1) setIntegrationId(enabled[0]!.id);
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  }, [api, props.link, forProject]);

  const enabled = useMemo(() => catalogue?.items.filter((i) => i.state === "enabled" && i.type === "data" && !(forProject && i.mode === "push")) ?? [], [catalogue, forProject]);
  const integration = enabled.find((i) => i.id === integrationId);

  // The integration's usable connections; the link's own, else the first, is selected.
  useEffect(() => {
    if (!integration) return;
    setConnections(undefined);
    setCreating(false);
    setPreview(undefined);
    setSource(initialValues(integration.schemas.sourceConfig, props.link?.integrationId === integration.id ? props.link.source : {}));
    api.get<{ items: Connection[] }>(`/integrations/${integration.id}/connections`).then(
      ({ items }) => {
        const usable = items.filter((c) => c.visibility === "shared" || c.createdBy === me.user.id);
        setConnections(usable);
        setConnectionId((current) => (usable.some((c) => c.id === current) ? current : (usable[0]?.id ?? "")));
        if (usable.length === 0) setCreating(true);
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  }, [api, integration, me.user.id, props.link]);

  const push = integration?.mode === "push";
  const picker = integration?.resources ?? null;
  const hidden = picker?.idFields ?? [];

  const collect = () => {
    const { payload, errors: local } = toPayload(integration?.schemas.sourceConfig, source, hidden);
    for (const name of hidden) if (typeof source[name] === "string" && source[name] !== "") payload[name] = source[name];
    const required = asObjectSchema(integration?.schemas.sourceConfig).required ?? [];
    for (const name of hidden) if (required.includes(name) && !source[name]) local[name] = `Pick a ${picker!.label.toLowerCase()}.`;
    const prefixed: FieldErrors = {};
    for (const [k, v] of Object.entries(local)) prefixed[`source.${k}`] = v;
    if (!connectionId) prefixed.connectionId = "Pick or create a connection.";
    return { payload, local: prefixed };
  };

  const run = async (kind: "preview" | "save") => {
    const { payload, local } = collect();
    setErrors(local);
    setError(undefined);
    if (Object.keys(local).length) return;
    setBusy(kind);
    try {
      if (kind === "preview") {
        setPreview(await api.post<ValuePreview | ProjectPreview>(`${base}/link/preview`, { connectionId, source: payload }));
      } else {
        const link = await api.put<KrLink>(`${base}/link`, { connectionId, source: payload, ...(props.link ? { version: props.link.version } : {}) });
        if (link.pushUrl) setSaved(link);
        else props.onSaved(link);
      }
    } catch (e) {
      if (kind === "preview") setPreview(undefined);
      if (e instanceof ApiRequestError && Object.keys(e.fieldErrors).length) setErrors(e.fieldErrors);
      setError(kind === "preview" ? `Preview failed: ${errorMessage(e)}` : errorMessage(e));
    } finally {
      setBusy(undefined);
    }
  };

  const close = () => (saved ? props.onSaved(saved) : props.onClose());

  return (
    <Dialog open onOpenChange={(_, d) => !d.open && close()} modalType="modal">
      <DialogSurface className={s.surface} data-testid="link-dialog">
        <DialogBody>
          <DialogTitle>{forProject ? "Add tasks automatically from a data source" : "Connect data source to auto-update progress"}</DialogTitle>
          <DialogContent className={s.form}>
            <Caption1>{props.keyResultTitle}</Caption1>
            {error && (
              <MessageBar intent="error" role="alert" data-testid="link-error">
                <MessageBarBody>{error}</MessageBarBody>
              </MessageBar>
            )}
            {saved?.pushUrl ? (
              <PushUrl url={saved.pushUrl} title="Linked. Send values to this secret URL" />
            ) : !catalogue ? (
              !error && <Spinner size="small" label="Loading data sources…" />
            ) : enabled.length === 0 ? (
              <Text>No data source is enabled in this organisation. An org owner or admin enables them under Admin → Data sources.</Text>
            ) : (
              <>
                <Field label="Data source">
                  <Select name="integration" value={integrationId} onChange={(_, d) => setIntegrationId(d.value)}>
                    <option value="">Choose…</option>
                    {enabled.map((i) => (
                      <option key={i.id} value={i.id}>
                        {i.displayName}
                      </option>
                    ))}
                  </Select>
                </Field>
                {integration && !connections && <Spinner size="tiny" label="Loading connections…" />}
                {integration && connections && !creating && (
                  <Field label="Connection" validationMessage={errors.connectionId}>
                    <Select name="connection" value={connectionId} onChange={(_, d) => setConnectionId(d.value)}>
                      {connections.map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.name}
                          {c.visibility === "private" ? " (private)" : ""}
                        </option>
                      ))}
                    </Select>
                  </Field>
                )}
                {integration && connections && !creating && catalogue.you.canCreateConnections && (
                  <Link as="button" onClick={() => setCreating(true)}>
                    New connection…
                  </Link>
                )}
                {integration && creating && (
                  catalogue.you.canCreateConnections ? (
                    <>
                      <Text weight="semibold">New {integration.displayName} connection</Text>
                      <ConnectionEditor
                        integration={integration}
                        onCancel={connections?.length ? () => setCreating(false) : undefined}
                        onSaved={(c) => {
                          setConnections((list) => [...(list ?? []), c]);
                          setConnectionId(c.id);
                          setCreating(false);
                        }}
                      />
                    </>
                  ) : (
                    <Text data-testid="no-connection">There is no {integration.displayName} connection you can use. Ask an org owner or admin to add one.</Text>
                  )
                )}
                {integration && connectionId && !creating && (
                  <>
                    {picker && (
                      <ResourcePicker
                        key={connectionId}
                        meta={picker}
                        api={api}
                        connectionId={connectionId}
                        values={source}
                        onChange={(v) => {
                          setSource(v);
                          setPreview(undefined);
                        }}
                        error={hidden.map((f) => errors[`source.${f}`]).find(Boolean)}
                      />
                    )}
                    {hasFields(integration.schemas.sourceConfig) && (
                      <SchemaForm
                        schema={integration.schemas.sourceConfig}
                        values={source}
                        onChange={(v) => {
                          setSource(v);
                          setPreview(undefined);
                        }}
                        errors={errorsUnder(errors, "source")}
                        hidden={hidden}
                        optionLabels={optionLabels[integration.id]}
                      />
                    )}
                    {push && <Text>Values are pushed to a secret URL that Pacer shows once, when you save.</Text>}
                    {preview && (
                      <MessageBar intent="success" role="status" data-testid="link-preview">
                        <MessageBarBody>
                          <MessageBarTitle>
                            {"tasks" in preview ? `${preview.tasks.length} tasks, progress now ${Math.round(preview.progress)} %` : `Value now: ${preview.value.toLocaleString()}`}
                          </MessageBarTitle>
                          {preview.details && (
                            <Text block data-testid="preview-details">
                              {preview.details}
                            </Text>
                          )}
                        </MessageBarBody>
                      </MessageBar>
                    )}
                  </>
                )}
              </>
            )}
          </DialogContent>
          <DialogActions className={s.actions}>
            {saved ? (
              <Button appearance="primary" onClick={close}>
                Done
              </Button>
            ) : (
              <>
                <Button onClick={props.onClose} disabled={busy !== undefined}>
                  Cancel
                </Button>
                {integration && !push && (
                  <Button onClick={() => void run("preview")} disabled={busy !== undefined || creating || !connectionId} icon={busy === "preview" ? <Spinner size="tiny" /> : undefined}>
                    Preview
                  </Button>
                )}
                <Button
                  appearance="primary"
                  onClick={() => void run("save")}
                  disabled={busy !== undefined || creating || !connectionId || !integration}
                  icon={busy === "save" ? <Spinner size="tiny" /> : undefined}
                >
                  Save link
                </Button>
              </>
            )}
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
