import { Checkbox, Field, Input, Select, Textarea } from "@fluentui/react-components";
import { useState } from "react";
import { useSession } from "../session.js";
import type { Objective } from "../types.js";
import { FormDialog, fieldError, useSubmission } from "./formKit.js";
import { periodOptions } from "./selectOptions.js";

interface Props {
  /** Edit this objective; create a new one when absent. */
  objective?: Objective;
  defaultPeriodId: string;
  defaultTeamId?: string;
  /** Objectives it may align to. */
  alignable: Objective[];
  onClose: () => void;
  onSaved: (objective: Objective) => void;
}

export function ObjectiveDialog({ objective, defaultPeriodId, defaultTeamId, alignable, onClose, onSaved }: Props) {
  const { api, me, managedTeams, periods, ownerName } = useSession();
  const [version, setVersion] = useState(objective?.version);
  const [title, setTitle] = useState(objective?.title ?? "");
  const [description, setDescription] = useState(objective?.description ?? "");
  const initialOwner = objective ? `${objective.owner.type}:${objective.owner.id}` : defaultTeamId ? `team:${defaultTeamId}` : `user:${me.user.id}`;
  const [owner, setOwner] = useState(initialOwner);
  const [periodId, setPeriodId] = useState(objective?.periodId ?? defaultPeriodId);
  const [parentId, setParentId] = useState(objective?.parents.find((p) => p.type === "objective")?.id ?? "");
  const [rollUp, setRollUp] = useState(objective?.rollUpChildren ?? false);
  const { busy, error, conflict, fieldErrors, submit } = useSubmission();

  const ownerOptions = new Map<string, string>([[`user:${me.user.id}`, `${me.user.name} (you)`]]);
  for (const team of managedTeams) ownerOptions.set(`team:${team.id}`, `Team: ${team.name}`);
  if (objective && !ownerOptions.has(initialOwner)) ownerOptions.set(initialOwner, ownerName(objective.owner));
  const parents = alignable.filter((o) => o.id !== objective?.id && o.periodId === periodId);

  const validate = () => {
    const errors: Record<string, string> = {};
    if (!title.trim()) errors.title = "Give the objective a title.";
    else if (title.trim().length > 300) errors.title = "At most 300 characters.";
    if (description.length > 5000) errors.description = "At most 5000 characters.";
    if (!periodId) errors.periodId = "Choose a period.";
    return errors;
  };

  const save = () =>
    submit(
      async () => {
        const [type, id] = owner.split(":") as ["user" | "team", string];
        const otherParents = objective?.parents.filter((p) => p.type !== "objective") ?? [];
        const body = {
          title: title.trim(),
          description: description.trim(),
          owner: { type, id },
          periodId,
          parents: [...otherParents, ...(parentId ? [{ type: "objective" as const, id: parentId }] : [])],
          rollUpChildren: rollUp,
        };
        const saved = objective ? await api.patch<Objective>(`/objectives/${objective.id}`, { ...body, version }) : await api.post<Objective>("/objectives", body);
        onSaved(saved);
      },
      {
        validate,
        onConflict: async () => {
          if (objective) setVersion((await api.get<Objective>(`/objectives/${objective.id}`)).version);
        },
      },
    );

  return (
    <FormDialog title={objective ? "Edit objective" : "New objective"} open onClose={onClose} onSubmit={() => void save()} submitLabel={objective ? "Save" : "Create"} busy={busy} error={error} conflict={conflict} testId="objective-dialog">
      <Field label="Title" required validationMessage={fieldError(fieldErrors, "title")}>
        <Input value={title} onChange={(_, d) => setTitle(d.value)} maxLength={300} name="title" />
      </Field>
      <Field label="Description" validationMessage={fieldError(fieldErrors, "description")}>
        <Textarea value={description} onChange={(_, d) => setDescription(d.value)} resize="vertical" name="description" />
      </Field>
      <Field label="Owner" validationMessage={fieldError(fieldErrors, "owner", "owner.id", "owner.type")}>
        <Select value={owner} onChange={(_, d) => setOwner(d.value)} name="owner">
          {[...ownerOptions].map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Period" required validationMessage={fieldError(fieldErrors, "periodId")}>
        <Select value={periodId} onChange={(_, d) => setPeriodId(d.value)} name="periodId">
          {periodOptions(periods)}
        </Select>
      </Field>
      <Field label="Aligned to" hint="The objective this one contributes to" validationMessage={fieldError(fieldErrors, "parents", "parents.0.id")}>
        <Select value={parentId} onChange={(_, d) => setParentId(d.value)} name="parent">
          <option value="">Not aligned</option>
          {parents.map((o) => (
            <option key={o.id} value={o.id}>
              {o.title}
            </option>
          ))}
        </Select>
      </Field>
      <Checkbox checked={rollUp} onChange={(_, d) => setRollUp(Boolean(d.checked))} label="Progress also averages the objectives aligned to this one" />
    </FormDialog>
  );
}
