import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarBody,
  Spinner,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import { useCallback, useState, type FormEvent, type ReactNode } from "react";
import { ApiRequestError, errorMessage } from "../api.js";

export type FieldErrors = Record<string, string>;

export const CONFLICT_MESSAGE = "This was changed elsewhere. The latest version is loaded and what you typed is kept: review it and save again.";

/**
 * Sending a form: validate locally first, then show the API's field errors next to the fields
 * (nothing typed is lost), and on 409 reload the latest version (so the next save can succeed).
 */
export function useSubmission() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [conflict, setConflict] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});

  const submit = useCallback(async (action: () => Promise<void>, options: { validate?: () => FieldErrors; onConflict?: () => Promise<void> } = {}) => {
    const local = options.validate?.() ?? {};
    setFieldErrors(local);
    setError(undefined);
    setConflict(false);
    if (Object.keys(local).length > 0) {
      setError("Please correct the highlighted fields.");
      return false;
    }
    setBusy(true);
    try {
      await action();
      return true;
    } catch (e) {
      if (e instanceof ApiRequestError && e.isConflict) {
        setConflict(true);
        setError(CONFLICT_MESSAGE);
        try {
          await options.onConflict?.();
        } catch (reloadError) {
          setError(`${CONFLICT_MESSAGE} (Reloading failed: ${errorMessage(reloadError)})`);
        }
      } else if (e instanceof ApiRequestError && Object.keys(e.fieldErrors).length > 0) {
        setFieldErrors(e.fieldErrors);
        setError(e.error.message);
      } else {
        setError(errorMessage(e));
      }
      return false;
    } finally {
      setBusy(false);
    }
  }, []);

  return { busy, error, conflict, fieldErrors, submit };
}

/** The error for a field: an exact path or any nested one (`measurement.target` for `measurement`). */
export function fieldError(errors: FieldErrors, ...paths: string[]): string | undefined {
  for (const path of paths) {
    if (errors[path]) return errors[path];
  }
  return undefined;
}

const useStyles = makeStyles({
  form: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalM },
  surface: { maxWidth: "560px", width: "calc(100vw - 32px)" },
});

export function FormDialog(props: {
  title: string;
  open: boolean;
  onClose: () => void;
  onSubmit: () => void;
  submitLabel: string;
  busy: boolean;
  error: string | undefined;
  conflict?: boolean;
  children: ReactNode;
  testId?: string;
}) {
  const s = useStyles();
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    props.onSubmit();
  };
  return (
    <Dialog open={props.open} onOpenChange={(_, data) => !data.open && props.onClose()} modalType="modal">
      <DialogSurface className={s.surface} data-testid={props.testId}>
        <form onSubmit={onSubmit} noValidate>
          <DialogBody>
            <DialogTitle>{props.title}</DialogTitle>
            <DialogContent className={s.form}>
              {props.error && (
                <MessageBar intent={props.conflict ? "warning" : "error"} role="alert" data-testid="form-error">
                  <MessageBarBody>{props.error}</MessageBarBody>
                </MessageBar>
              )}
              {props.children}
            </DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={props.onClose} disabled={props.busy}>
                Cancel
              </Button>
              <Button appearance="primary" type="submit" disabled={props.busy} icon={props.busy ? <Spinner size="tiny" /> : undefined}>
                {props.submitLabel}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

/** Parses a typed number ("1,5" too); undefined when empty or not a number. */
export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim().replace(",", ".");
  if (trimmed === "") return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}
