import { Button, Field, Input, Radio, RadioGroup, Select, Textarea, makeStyles, tokens } from "@fluentui/react-components";
import { useEffect, useState } from "react";
import { ApiRequestError } from "../api.js";
import { kindLabel } from "../format.js";
import { useSession } from "../session.js";
import type { KeyResult, Measurement, Objective } from "../types.js";
import { FormDialog, fieldError, parseNumber, useSubmission, type FieldErrors } from "./formKit.js";
import { personOptions } from "./selectOptions.js";

const useStyles = makeStyles({
  row: { display: "flex", gap: tokens.spacingHorizontalM, flexWrap: "wrap", "& > *": { flex: "1 1 120px" } },
  parent: { display: "grid", gridTemplateColumns: "minmax(0, 1fr) auto", gap: tokens.spacingHorizontalS, alignItems: "end", "& > *": { minWidth: 0 } },
  // A long objective title must not push the select past the dialog (or under the Remove button).
  fill: { width: "100%", minWidth: 0 },
});

/** The API's limit on a KR's parents. */
const MAX_PARENTS = 20;

interface Props {
  objectiveId: string;
  keyResult?: KeyResult;
  onClose: () => void;
  onSaved: (kr: KeyResult) => void;
}

type Kind = Measurement["kind"];
const str = (n: number | undefined) => (n === undefined ? "" : String(n));

export function KeyResultDialog({ objectiveId, keyResult, onClose, onSaved }: Props) {
  const s = useStyles();
  const { api, users } = useSession();
  const m = keyResult?.measurement;
  const [version, setVersion] = useState(keyResult?.version);
  const [title, setTitle] = useState(keyResult?.title ?? "");
  const [description, setDescription] = useState(keyResult?.description ?? "");
  const [ownerUserId, setOwnerUserId] = useState(keyResult?.ownerUserId ?? "");
  const [weight, setWeight] = useState(str(keyResult?.weight ?? 1));
  const [kind, setKind] = useState<Kind>(m?.kind ?? "percent");
  const [start, setStart] = useState(m?.kind === "metric" ? str(m.start) : "0");
  const [target, setTarget] = useState(m?.kind === "metric" ? str(m.target) : "");
  const [threshold, setThreshold] = useState(m?.kind === "kpi" ? str(m.threshold) : "");
  const [direction, setDirection] = useState<"above" | "below">(m?.kind === "kpi" ? m.direction : "above");
  const [unit, setUnit] = useState(m && (m.kind === "metric" || m.kind === "kpi") ? (m.unit ?? "") : "");
  const [decimals, setDecimals] = useState(m && (m.kind === "metric" || m.kind === "kpi") ? str(m.decimals) : "0");
  // Every parent as "type:id", one select each; "" is a row not (yet) aligned.
  const [parents, setParents] = useState<string[]>(() => (keyResult?.parents.length ? keyResult.parents.map((p) => `${p.type}:${p.id}`) : [""]));
  const setParentAt = (i: number, value: string) => setParents((list) => list.map((v, j) => (j === i ? value : v)));
  // What it may align to: the objectives of the same period in the organisation, and their KRs.
  const [alignable, setAlignable] = useState<Objective[] | undefined>();
  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const own = await api.get<Objective>(`/objectives/${objectiveId}`);
        const all = await api.all<Objective>(`/objectives?periodId=${encodeURIComponent(own.periodId)}`);
        if (live) setAlignable(all);
      } catch {
        if (live) setAlignable([]);
      }
    })();
    return () => {
      live = false;
    };
  }, [api, objectiveId]);
  const { busy, error, conflict, fieldErrors, submit } = useSubmission();

  const measurement = (): Measurement | FieldErrors => {
    const errors: FieldErrors = {};
    const dec = parseNumber(decimals);
    if (kind === "metric" || kind === "kpi") {
      if (dec === undefined || !Number.isInteger(dec) || dec < 0 || dec > 6) errors["measurement.decimals"] = "A whole number from 0 to 6.";
      if (unit.trim().length > 20) errors["measurement.unit"] = "At most 20 characters.";
    }
    const u = unit.trim() || null;
    if (kind === "metric") {
      const a = parseNumber(start);
      const b = parseNumber(target);
      if (a === undefined) errors["measurement.start"] = "Enter the starting value.";
      if (b === undefined) errors["measurement.target"] = "Enter the target value.";
      else if (a !== undefined && a === b) errors["measurement.target"] = "The target must differ from the start.";
      if (Object.keys(errors).length) return errors;
      return { kind, start: a!, target: b!, unit: u, decimals: dec! };
    }
    if (kind === "kpi") {
      const t = parseNumber(threshold);
      if (t === undefined) errors["measurement.threshold"] = "Enter the threshold.";
      if (Object.keys(errors).length) return errors;
      return { kind, threshold: t!, direction, unit: u, decimals: dec! };
    }
    return { kind };
  };

  const validate = () => {
    const errors: FieldErrors = {};
    if (!title.trim()) errors.title = "Give the key result a title.";
    else if (title.trim().length > 300) errors.title = "At most 300 characters.";
    const w = parseNumber(weight);
    if (w === undefined || w <= 0 || w > 1000) errors.weight = "A number above 0 (at most 1000).";
    const built = measurement();
    if (!("kind" in built)) Object.assign(errors, built);
    return errors;
  };

  const save = () =>
    submit(
      async () => {
        const body = {
          parents: [...new Set(parents.filter(Boolean))].map((v) => {
            const [type, id] = v.split(":") as ["objective" | "keyResult", string];
            return { type, id };
          }),
          title: title.trim(),
          description: description.trim(),
          ownerUserId: ownerUserId || null,
          weight: parseNumber(weight)!,
          measurement: measurement() as Measurement,
        };
        let saved: KeyResult;
        try {
          saved = keyResult ? await api.patch<KeyResult>(`/key-results/${keyResult.id}`, { ...body, version }) : await api.post<KeyResult>("/key-results", { ...body, objectiveId });
        } catch (e) {
          // The API's cycle error becomes the "Aligned to" field's error, naming the loop.
          if (e instanceof ApiRequestError && e.error.id === "alignment_cycle") {
            const cycle = (e.error.details as { cycle?: string[] } | undefined)?.cycle ?? [];
            const names = cycle.map((id) => nameOf(id) ?? (id === keyResult?.id ? title.trim() : id));
            const message = names.length > 1 ? `${e.error.message} (${names.join(" → ")})` : e.error.message;
            throw new ApiRequestError(400, { ...e.error, details: [{ path: "parents", message }] });
          }
          throw e;
        }
        onSaved(saved);
      },
      {
        validate,
        onConflict: async () => {
          if (keyResult) setVersion((await api.get<KeyResult>(`/key-results/${keyResult.id}`)).version);
        },
      },
    );

  function nameOf(id: string): string | undefined {
    for (const o of alignable ?? []) {
      if (o.id === id) return o.title;
      const k = o.keyResults.find((x) => x.id === id);
      if (k) return k.title;
    }
    return undefined;
  }
  const e = (path: string) => fieldError(fieldErrors, path);
  const people = [...users.values()].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <FormDialog title={keyResult ? "Edit key result" : "New key result"} open onClose={onClose} onSubmit={() => void save()} submitLabel={keyResult ? "Save" : "Add key result"} busy={busy} error={error} conflict={conflict} testId="kr-dialog">
      <Field label="Title" required validationMessage={e("title")}>
        <Input value={title} onChange={(_, d) => setTitle(d.value)} maxLength={300} name="title" />
      </Field>
      <Field label="Description" validationMessage={e("description")}>
        <Textarea value={description} onChange={(_, d) => setDescription(d.value)} name="description" />
      </Field>
      <Field label="Measured as" validationMessage={e("measurement") ?? e("measurement.kind")}>
        <RadioGroup value={kind} onChange={(_, d) => setKind(d.value as Kind)} layout="horizontal" name="kind">
          {(Object.keys(kindLabel) as Kind[]).map((k) => (
            <Radio key={k} value={k} label={kindLabel[k]} />
          ))}
        </RadioGroup>
      </Field>
      {kind === "metric" && (
        <div className={s.row}>
          <Field label="Start" required validationMessage={e("measurement.start")}>
            <Input value={start} onChange={(_, d) => setStart(d.value)} inputMode="decimal" name="start" />
          </Field>
          <Field label="Target" required validationMessage={e("measurement.target")}>
            <Input value={target} onChange={(_, d) => setTarget(d.value)} inputMode="decimal" name="target" />
          </Field>
        </div>
      )}
      {kind === "kpi" && (
        <div className={s.row}>
          <Field label="Keep the value" validationMessage={e("measurement.direction")}>
            <Select value={direction} onChange={(_, d) => setDirection(d.value as "above" | "below")} name="direction">
              <option value="above">at or above</option>
              <option value="below">at or below</option>
            </Select>
          </Field>
          <Field label="Threshold" required validationMessage={e("measurement.threshold")}>
            <Input value={threshold} onChange={(_, d) => setThreshold(d.value)} inputMode="decimal" name="threshold" />
          </Field>
        </div>
      )}
      {(kind === "metric" || kind === "kpi") && (
        <div className={s.row}>
          <Field label="Unit" hint="e.g. %, orgs, min" validationMessage={e("measurement.unit")}>
            <Input value={unit} onChange={(_, d) => setUnit(d.value)} maxLength={20} name="unit" />
          </Field>
          <Field label="Decimals" validationMessage={e("measurement.decimals")}>
            <Input value={decimals} onChange={(_, d) => setDecimals(d.value)} inputMode="numeric" name="decimals" />
          </Field>
        </div>
      )}
      <div className={s.row}>
        <Field label="Owner" hint="Defaults to the objective's owner" validationMessage={e("ownerUserId")}>
          <Select value={ownerUserId} onChange={(_, d) => setOwnerUserId(d.value)} name="owner">
            <option value="">The objective's owner</option>
            {personOptions(people)}
          </Select>
        </Field>
        <Field label="Weight" validationMessage={e("weight")}>
          <Input value={weight} onChange={(_, d) => setWeight(d.value)} inputMode="decimal" name="weight" />
        </Field>
      </div>
      {parents.map((value, i) => {
        const others = parents.filter((_, j) => j !== i);
        const free = (v: string) => v === value || !others.includes(v);
        return (
          <div className={s.parent} key={i} data-testid="kr-parent">
            <Field
              label={i === 0 ? "Aligned to" : "Also aligned to"}
              hint={parents.length === 1 ? "Objectives or key results of the same period this one contributes to" : undefined}
              validationMessage={fieldError(fieldErrors, ...(i === 0 ? ["parents"] : []), `parents.${i}`, `parents.${i}.id`, `parents.${i}.type`)}
            >
              <Select value={value} onChange={(_, d) => setParentAt(i, d.value)} name={`parent-${i}`} disabled={!alignable} className={s.fill} select={{ className: s.fill }}>
                <option value="">{alignable ? "Not aligned" : "Loading…"}</option>
                {value && alignable && !nameOf(value.split(":")[1]!) && <option value={value}>(not in this period)</option>}
                {(alignable ?? []).map((o) => (
                  <optgroup key={o.id} label={o.title}>
                    {o.id !== objectiveId && free(`objective:${o.id}`) && <option value={`objective:${o.id}`}>Objective: {o.title}</option>}
                    {o.keyResults
                      .filter((k) => k.id !== keyResult?.id && free(`keyResult:${k.id}`))
                      .map((k) => (
                        <option key={k.id} value={`keyResult:${k.id}`}>
                          Key result: {k.title}
                        </option>
                      ))}
                  </optgroup>
                ))}
              </Select>
            </Field>
            {parents.length > 1 && (
              <Button appearance="subtle" onClick={() => setParents((list) => list.filter((_, j) => j !== i))} aria-label={`Remove alignment ${i + 1}`}>
                Remove
              </Button>
            )}
          </div>
        );
      })}
      <div>
        <Button size="small" appearance="subtle" onClick={() => setParents((list) => [...list, ""])} disabled={!alignable || parents.includes("") || parents.length >= MAX_PARENTS}>
          Align to another
        </Button>
      </div>
    </FormDialog>
  );
}
