import { Checkbox, Field, Input, Select, Text, Textarea } from "@fluentui/react-components";
import { useState } from "react";
import { formatTarget, formatValue } from "../format.js";
import type { KeyResult, Status } from "../types.js";
import { FormDialog, fieldError, parseNumber, useSubmission } from "./formKit.js";

interface Props {
  keyResult: KeyResult;
  onClose: () => void;
  /** Sends the check-in (the caller updates optimistically and rolls back on error). */
  onCheckIn: (input: { id: string; value: number; status: Status | null; note: string }) => Promise<void>;
}

export function CheckInDialog({ keyResult, onClose, onCheckIn }: Props) {
  const m = keyResult.measurement;
  // One id per dialog: re-sending after a network error is a safe retry.
  const [checkInId] = useState(() => crypto.randomUUID());
  const [value, setValue] = useState(keyResult.current === null ? "" : String(keyResult.current));
  const [done, setDone] = useState((keyResult.current ?? 0) >= 1);
  const [status, setStatus] = useState<Status | "">("");
  const [note, setNote] = useState("");
  const { busy, error, fieldErrors, submit } = useSubmission();

  const numeric = (): number | undefined => (m.kind === "milestone" ? (done ? 1 : 0) : parseNumber(value));
  const validate = () => {
    const errors: Record<string, string> = {};
    const v = numeric();
    if (v === undefined) errors.value = "Enter a number.";
    else if (m.kind === "percent" && (v < 0 || v > 100)) errors.value = "A percentage from 0 to 100.";
    if (note.length > 2000) errors.note = "At most 2000 characters.";
    return errors;
  };
  const save = async () => {
    const ok = await submit(() => onCheckIn({ id: checkInId, value: numeric()!, status: status || null, note: note.trim() }), { validate });
    if (ok) onClose();
  };

  return (
    <FormDialog title={`Check in: ${keyResult.title}`} open onClose={onClose} onSubmit={() => void save()} submitLabel="Check in" busy={busy} error={error} testId="checkin-dialog">
      <Text>
        Now: {formatValue(m, keyResult.current)} · Target: {formatTarget(m)}
      </Text>
      {m.kind === "milestone" ? (
        <Checkbox checked={done} onChange={(_, d) => setDone(Boolean(d.checked))} label="Done" />
      ) : (
        <Field label={m.kind === "percent" ? "Progress (%)" : `New value${m.unit ? ` (${m.unit})` : ""}`} required validationMessage={fieldError(fieldErrors, "value")}>
          <Input value={value} onChange={(_, d) => setValue(d.value)} inputMode="decimal" name="value" autoFocus />
        </Field>
      )}
      <Field label="Status" hint="Leave automatic to compare progress with what is expected by today" validationMessage={fieldError(fieldErrors, "status")}>
        <Select value={status} onChange={(_, d) => setStatus(d.value as Status | "")} name="status">
          <option value="">Automatic</option>
          <option value="on_track">On track</option>
          <option value="behind">Behind</option>
          <option value="at_risk">At risk</option>
        </Select>
      </Field>
      <Field label="Note" validationMessage={fieldError(fieldErrors, "note")}>
        <Textarea value={note} onChange={(_, d) => setNote(d.value)} name="note" />
      </Field>
    </FormDialog>
  );
}
