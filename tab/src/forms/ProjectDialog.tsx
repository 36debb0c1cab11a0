import { Field, Input, Select, Textarea } from "@fluentui/react-components";
import { useState } from "react";
import { useSession } from "../session.js";
import type { KeyResult, Project } from "../types.js";
import { FormDialog, fieldError, useSubmission } from "./formKit.js";

interface Props {
  objectiveId: string;
  /** The objective's key results: the project may hang under one of them instead. */
  keyResults: Pick<KeyResult, "id" | "title">[];
  /** Preselected key result (the KR page). */
  defaultKeyResultId?: string;
  onClose: () => void;
  onSaved: (project: Project) => void;
}

/** "New project": title, description, under the objective or one of its key results. */
export function ProjectDialog({ objectiveId, keyResults, defaultKeyResultId, onClose, onSaved }: Props) {
  const { api } = useSession();
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [under, setUnder] = useState(defaultKeyResultId ?? "");
  const { busy, error, conflict, fieldErrors, submit } = useSubmission();

  const validate = () => {
    const errors: Record<string, string> = {};
    if (!title.trim()) errors.title = "Give the project a title.";
    else if (title.trim().length > 300) errors.title = "At most 300 characters.";
    if (description.length > 5000) errors.description = "At most 5000 characters.";
    return errors;
  };

  const save = () =>
    submit(
      async () => {
        const body = { title: title.trim(), description: description.trim(), objectiveId, keyResultId: under || null };
        onSaved(await api.post<Project>("/projects", body));
      },
      { validate },
    );

  return (
    <FormDialog title="New project" open onClose={onClose} onSubmit={() => void save()} submitLabel="Create" busy={busy} error={error} conflict={conflict} testId="project-dialog">
      <Field label="Title" required validationMessage={fieldError(fieldErrors, "title")}>
        <Input value={title} onChange={(_, d) => setTitle(d.value)} maxLength={300} name="title" />
      </Field>
      <Field label="Description" validationMessage={fieldError(fieldErrors, "description")}>
        <Textarea value={description} onChange={(_, d) => setDescription(d.value)} resize="vertical" name="description" />
      </Field>
      <Field label="Under" hint="The objective, or one of its key results" validationMessage={fieldError(fieldErrors, "keyResultId", "objectiveId")}>
        <Select value={under} onChange={(_, d) => setUnder(d.value)} name="under">
          <option value="">The objective</option>
          {keyResults.map((kr) => (
            <option key={kr.id} value={kr.id}>
              Key result: {kr.title}
            </option>
          ))}
        </Select>
      </Field>
    </FormDialog>
  );
}
