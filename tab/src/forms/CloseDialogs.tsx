import { Field, Input, Select, Text, Textarea } from "@fluentui/react-components";
import { useState } from "react";
import { useSession } from "../session.js";
import type { Objective } from "../types.js";
import { FormDialog, fieldError, parseNumber, useSubmission } from "./formKit.js";
import { periodOptions } from "./selectOptions.js";

export function CloseObjectiveDialog({ objective, onClose, onSaved }: { objective: Objective; onClose: () => void; onSaved: (o: Objective) => void }) {
  const { api } = useSession();
  const [version, setVersion] = useState(objective.version);
  const [score, setScore] = useState((objective.progress / 100).toFixed(1));
  const [note, setNote] = useState("");
  const { busy, error, conflict, fieldErrors, submit } = useSubmission();
  const validate = (): Record<string, string> => {
    const v = parseNumber(score);
    return v === undefined || v < 0 || v > 1 ? { score: "A score from 0.0 to 1.0." } : {};
  };
  const save = () =>
    submit(async () => onSaved(await api.post<Objective>(`/objectives/${objective.id}/close`, { score: parseNumber(score), note: note.trim(), version })), {
      validate,
      onConflict: async () => setVersion((await api.get<Objective>(`/objectives/${objective.id}`)).version),
    });
  return (
    <FormDialog title={`Close and score: ${objective.title}`} open onClose={onClose} onSubmit={() => void save()} submitLabel="Close objective" busy={busy} error={error} conflict={conflict} testId="close-dialog">
      <Text>Closing freezes the score of the objective and of each key result. You can reopen it later.</Text>
      <Field label="Score (0.0–1.0)" hint={`Suggested from progress: ${(objective.progress / 100).toFixed(2)}`} validationMessage={fieldError(fieldErrors, "score")}>
        <Input value={score} onChange={(_, d) => setScore(d.value)} inputMode="decimal" name="score" />
      </Field>
      <Field label="Note" validationMessage={fieldError(fieldErrors, "note")}>
        <Textarea value={note} onChange={(_, d) => setNote(d.value)} name="note" />
      </Field>
    </FormDialog>
  );
}

export function CarryOverDialog({ objective, onClose, onSaved }: { objective: Objective; onClose: () => void; onSaved: (o: Objective) => void }) {
  const { api, periods } = useSession();
  const others = periods.filter((p) => p.id !== objective.periodId);
  const [periodId, setPeriodId] = useState(others.find((p) => p.current)?.id ?? others[0]?.id ?? "");
  const { busy, error, fieldErrors, submit } = useSubmission();
  const save = () =>
    submit(async () => onSaved(await api.post<Objective>(`/objectives/${objective.id}/carry-over`, { periodId })), {
      validate: (): Record<string, string> => (periodId ? {} : { periodId: "Choose the period to carry over to." }),
    });
  return (
    <FormDialog title={`Carry over: ${objective.title}`} open onClose={onClose} onSubmit={() => void save()} submitLabel="Carry over" busy={busy} error={error} testId="carry-dialog">
      <Text>Copies the objective and its key results (targets kept, check-ins not) into another period.</Text>
      <Field label="To period" required validationMessage={fieldError(fieldErrors, "periodId")}>
        <Select value={periodId} onChange={(_, d) => setPeriodId(d.value)} name="periodId">
          {others.length === 0 && <option value="">No other period yet</option>}
          {periodOptions(others)}
        </Select>
      </Field>
    </FormDialog>
  );
}
