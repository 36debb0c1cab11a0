import { Button, Caption1, Field, Input, MessageBar, MessageBarBody, Radio, RadioGroup, Spinner, makeStyles, tokens } from "@fluentui/react-components";
import { useEffect, useState } from "react";
import { ApiRequestError, errorMessage } from "../api.js";
import type { FieldErrors } from "../forms/formKit.js";
import { useSession } from "../session.js";
import { signInWithEntra } from "./entraSignIn.js";
import { SchemaForm, errorsUnder, initialValues, toPayload, type FormValues } from "./SchemaForm.js";
import { hasFields, type Connection, type Integration, type TestResult } from "./types.js";

/** Secrets the form never asks for: Entra sign-in tokens are written by the sign-in flow, not typed. */
const ENTRA_TOKENS = ["accessToken", "refreshToken", "expiresAt"];

/**
 * Connectors with `entraSignIn` (Azure DevOps, Microsoft Excel) choose in config field `auth`:
 * Microsoft Entra ID (a sign-in window) or their other sign-in, labelled here.
 */
const OTHER_SIGN_IN: Record<string, string> = {
  pat: "A personal access token (Work Items: Read)",
  clientSecret: "An app of your tenant with a client secret (app-only)",
};
type EntraSetup = { configured: boolean; message: string | null };

/** The `auth` value that is not Entra (the schema's enum), e.g. "pat". */
function otherSignIn(integration: Integration): string {
  const auth = (integration.schemas.connectionConfig as { properties?: Record<string, { enum?: unknown[] }> }).properties?.auth;
  return String(auth?.enum?.find((v) => v !== "entra") ?? "pat");
}

const useStyles = makeStyles({
  form: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  actions: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
});

/**
 * Create or edit a connection: name, shared / private, the connector's config and secrets forms.
 * **Test connection** runs the connector's test with what is typed (nothing is saved); a new
 * connection is saved only after a test (a failed one needs "Save anyway"). An Azure DevOps
 * connection set to Microsoft Entra ID is saved first, then signed in; the test follows the sign-in.
 */
export function ConnectionEditor(props: { integration: Integration; connection?: Connection; onSaved: (c: Connection) => void; onCancel?: () => void }) {
  const s = useStyles();
  const { api, host } = useSession();
  const { integration, connection } = props;
  const choosesSignIn = integration.entraSignIn;
  const hidden = choosesSignIn ? ENTRA_TOKENS : [];
  const other = otherSignIn(integration);
  const [name, setName] = useState(connection?.name ?? "");
  const [visibility, setVisibility] = useState<"shared" | "private">(connection?.visibility ?? "shared");
  const [config, setConfig] = useState<FormValues>(() => initialValues(integration.schemas.connectionConfig, connection?.config));
  const [secrets, setSecrets] = useState<FormValues>(() => initialValues(integration.schemas.secrets, {}, true));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | undefined>();
  const [test, setTest] = useState<TestResult | undefined>();
  const [busy, setBusy] = useState<"test" | "save" | "signin" | undefined>();
  const [entraSetup, setEntraSetup] = useState<EntraSetup | undefined>();
  /** Saved for an Entra sign-in that has not succeeded yet: signing in again must not create a second one. */
  const [pending, setPending] = useState<Connection | undefined>();
  const [signInPage, setSignInPage] = useState<string | undefined>();
  const entra = choosesSignIn && config.auth === "entra";
  /** Fields only the other sign-in uses (an app's tenant and client id): not asked for, nor sent, with Entra sign-in. */
  const configHidden = choosesSignIn ? ["auth", ...(entra ? integration.otherSignInFields : [])] : [];

  useEffect(() => {
    if (!choosesSignIn) return;
    api.get<EntraSetup>(`/integrations/${integration.id}/oauth`).then(setEntraSetup, () => setEntraSetup(undefined));
  }, [api, choosesSignIn, integration.id]);

  const changed = <T,>(setter: (v: T) => void) => (v: T) => {
    setter(v);
    setTest(undefined);
  };

  const collect = () => {
    const c = toPayload(integration.schemas.connectionConfig, config, configHidden);
    if (choosesSignIn) c.payload.auth = config.auth || other;
    // Entra connections have no typed secrets: the sign-in stores their tokens.
    const sec = entra ? { payload: {}, errors: {} } : toPayload(integration.schemas.secrets, secrets, hidden);
    const local: FieldErrors = {};
    if (!name.trim()) local.name = "Give the connection a name.";
    for (const [k, v] of Object.entries(c.errors)) local[`config.${k}`] = v;
    // Editing: empty secrets keep the stored ones, so "required" does not apply to them.
    if (!connection) for (const [k, v] of Object.entries(sec.errors)) local[`secrets.${k}`] = v;
    const typedSecrets = Object.keys(sec.payload).length > 0;
    return { config: c.payload, secrets: sec.payload, typedSecrets, local };
  };

  const fail = (e: unknown) => {
    if (e instanceof ApiRequestError && Object.keys(e.fieldErrors).length) setErrors(e.fieldErrors);
    setError(errorMessage(e));
  };

  const runTest = async () => {
    const form = collect();
    setErrors(form.local);
    setError(undefined);
    if (Object.keys(form.local).length) return;
    setBusy("test");
    try {
      // Editing without new secrets: test the saved connection (its stored secrets) instead.
      const result =
        connection && !form.typedSecrets && JSON.stringify(form.config) === JSON.stringify(connection.config)
          ? await api.post<TestResult>(`/connections/${connection.id}/test`)
          : await api.post<TestResult>(`/integrations/${integration.id}/connections/test`, { config: form.config, secrets: form.secrets });
      setTest(result);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(undefined);
    }
  };

  const save = async () => {
    const form = collect();
    setErrors(form.local);
    setError(undefined);
    if (Object.keys(form.local).length) return;
    setBusy("save");
    try {
      const saved = connection
        ? await api.patch<Connection>(`/connections/${connection.id}`, {
            name: name.trim(),
            visibility,
            config: form.config,
            ...(form.typedSecrets ? { secrets: form.secrets } : {}),
            version: connection.version,
          })
        : await api.post<Connection>(`/integrations/${integration.id}/connections`, { name: name.trim(), visibility, config: form.config, secrets: form.secrets });
      // A test here ran on what was typed, not on a saved connection: test the saved one so its status
      // (lastTest, shown in the list) is true. Its outcome does not undo the save.
      if (test) await api.post<TestResult>(`/connections/${saved.id}/test`).catch(() => undefined);
      props.onSaved(saved);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(undefined);
    }
  };

  /** Entra: save the connection (create, or save changes), then sign in and test it. */
  const signIn = async () => {
    const form = collect();
    setErrors(form.local);
    setError(undefined);
    setTest(undefined);
    setSignInPage(undefined);
    if (Object.keys(form.local).length) return;
    setBusy("signin");
    try {
      const existing = pending ?? connection;
      const body = { name: name.trim(), visibility, config: form.config };
      const target = existing
        ? await api.patch<Connection>(`/connections/${existing.id}`, { ...body, version: existing.version })
        : await api.post<Connection>(`/integrations/${integration.id}/connections`, { ...body, secrets: {} });
      setPending(target);
      const outcome = await signInWithEntra(api, host, integration.id, target.id);
      setTest(outcome.test);
      setSignInPage(outcome.page);
      if (outcome.test.ok) props.onSaved(await api.get<Connection>(`/connections/${target.id}`));
    } catch (e) {
      if (e instanceof ApiRequestError && e.error.id === "oauth_not_configured") {
        setEntraSetup({ configured: false, message: e.error.message });
        setConfig((c) => ({ ...c, auth: other }));
      }
      fail(e);
    } finally {
      setBusy(undefined);
    }
  };
  // A connection saved for a sign-in that did not finish is kept: leaving shows it in the list.
  const cancel = props.onCancel && (() => (pending && !connection ? props.onSaved(pending) : props.onCancel!()));

  const mustTest = !connection && !test;
  return (
    <div className={s.form} data-testid="connection-editor">
      {error && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      <Field label="Connection name" required validationMessage={errors.name} hint="People pick connections by name, e.g. “Analytics (prod)”.">
        <Input name="connectionName" value={name} onChange={(_, d) => changed(setName)(d.value)} maxLength={200} />
      </Field>
      <Field label="Who can use it">
        <RadioGroup layout="horizontal" value={visibility} onChange={(_, d) => setVisibility(d.value as "shared" | "private")}>
          <Radio value="shared" label="Shared with the organisation" />
          <Radio value="private" label="Private (only you)" />
        </RadioGroup>
      </Field>
      {choosesSignIn && (
        <Field label="Sign in with" validationMessage={errorsUnder(errors, "config").auth}>
          <RadioGroup value={entra ? "entra" : other} onChange={(_, d) => changed(setConfig)({ ...config, auth: d.value })}>
            <Radio value={other} label={OTHER_SIGN_IN[other] ?? other} />
            <Radio value="entra" label="Sign in with Microsoft Entra ID" disabled={entraSetup?.configured === false} />
          </RadioGroup>
          {entraSetup?.configured === false && <Caption1 data-testid="entra-not-configured">{entraSetup.message}</Caption1>}
        </Field>
      )}
      <SchemaForm
        schema={integration.schemas.connectionConfig}
        values={config}
        onChange={changed(setConfig)}
        errors={errorsUnder(errors, "config")}
        hidden={configHidden}
      />
      {entra && (
        <Caption1>
          {connection?.secretNames.includes("refreshToken")
            ? "Signed in. Sign in again to connect as someone else or after access was revoked."
            : "Saving opens a Microsoft sign-in window; Pacer then reads with the access of the account that signs in."}
        </Caption1>
      )}
      {hasFields(integration.schemas.secrets) && !entra && (
        <SchemaForm
          schema={integration.schemas.secrets}
          values={secrets}
          onChange={changed(setSecrets)}
          errors={errorsUnder(errors, "secrets")}
          secret
          setNames={connection?.secretNames}
          hidden={hidden}
        />
      )}
      {connection && hasFields(integration.schemas.secrets) && !entra && (
        <MessageBar intent="info">
          <MessageBarBody>Typing any secret replaces all stored secrets of this connection; leave them all empty to keep them.</MessageBarBody>
        </MessageBar>
      )}
      {test && (
        <MessageBar intent={test.ok ? "success" : "error"} role="status" data-testid="connection-test">
          <MessageBarBody>
            {test.ok ? "Connection works: " : "Test failed: "}
            {test.message}
            {signInPage && !test.ok ? ` (${signInPage})` : ""}
          </MessageBarBody>
        </MessageBar>
      )}
      <div className={s.actions}>
        {(!entra || connection) && (
          <Button onClick={() => void runTest()} disabled={busy !== undefined} icon={busy === "test" ? <Spinner size="tiny" /> : undefined}>
            Test connection
          </Button>
        )}
        {entra ? (
          <Button appearance="primary" onClick={() => void signIn()} disabled={busy !== undefined} icon={busy === "signin" ? <Spinner size="tiny" /> : undefined}>
            {busy === "signin" ? "Waiting for the sign-in…" : pending || connection ? "Save and sign in again" : "Save and sign in with Microsoft Entra ID"}
          </Button>
        ) : (
          <Button
            appearance="primary"
            onClick={() => void save()}
            disabled={busy !== undefined || mustTest}
            title={mustTest ? "Test the connection first" : undefined}
            icon={busy === "save" ? <Spinner size="tiny" /> : undefined}
          >
            {test && !test.ok ? "Save anyway" : connection ? "Save changes" : "Save connection"}
          </Button>
        )}
        {entra && connection && (
          <Button onClick={() => void save()} disabled={busy !== undefined} icon={busy === "save" ? <Spinner size="tiny" /> : undefined}>
            Save changes
          </Button>
        )}
        {cancel && (
          <Button appearance="subtle" onClick={cancel} disabled={busy !== undefined}>
            Cancel
          </Button>
        )}
      </div>
    </div>
  );
}
