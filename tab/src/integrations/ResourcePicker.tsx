import { Button, Caption1, Field, Input, Spinner, Text, makeStyles, mergeClasses, tokens } from "@fluentui/react-components";
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { errorMessage } from "../api.js";
import { fieldLabel, type FormValues } from "./SchemaForm.js";
import type { Integration, Resource } from "./types.js";

export type PickerMeta = NonNullable<Integration["resources"]>;

const useStyles = makeStyles({
  list: {
    listStyle: "none",
    padding: tokens.spacingVerticalXXS,
    margin: 0,
    display: "flex",
    flexDirection: "column",
    maxHeight: "180px",
    overflowY: "auto",
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  option: {
    display: "flex",
    justifyContent: "space-between",
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    borderRadius: tokens.borderRadiusSmall,
    cursor: "pointer",
    ":hover": { backgroundColor: tokens.colorNeutralBackground1Hover },
  },
  active: { backgroundColor: tokens.colorNeutralBackground1Selected, outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}` },
  meta: { color: tokens.colorNeutralForeground3, whiteSpace: "nowrap" },
  picked: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
});

const countText = (count: number, noun = "items") => `Matches ${count.toLocaleString()} ${noun}.`;

/** A pick's source config as form values: the form keeps text. */
const asValues = (source: Record<string, unknown>): FormValues =>
  Object.fromEntries(Object.entries(source).map(([k, v]) => [k, typeof v === "boolean" ? v : v === null || v === undefined ? "" : String(v)]));

/**
 * The link dialog's source picker, for any connector with `listResources`: a search box (the
 * connector's label and hint, debounced) over `GET /connections/{id}/resources`, the results as a
 * listbox (name, kind, count when known; arrow keys and Enter, or a click), and the choice merged
 * into the source form's values (`resource.source`). The connector's `idFields` are hidden from the
 * form, so the choice is shown here by its stored name (`nameField`, then any `detailFields`: "Sales 2026.xlsx · Sheet1"),
 * with the count the connector answers for it (`lookupField`).
 */
export function ResourcePicker(props: {
  meta: PickerMeta;
  connectionId: string;
  values: FormValues;
  onChange: (values: FormValues) => void;
  /** A required id field left empty (from the dialog's checks). */
  error?: string | undefined;
  api: { get<T>(path: string): Promise<T> };
}) {
  const s = useStyles();
  const { meta, api, connectionId } = props;
  const listId = useId();
  const [search, setSearch] = useState("");
  const [results, setResults] = useState<Resource[] | undefined>();
  const [searching, setSearching] = useState(false);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState<string | undefined>();
  const [picked, setPicked] = useState<Resource | undefined>();
  const [count, setCount] = useState<string | undefined>();
  const asked = useRef(0);
  const lookup = meta.lookupField && typeof props.values[meta.lookupField] === "string" ? (props.values[meta.lookupField] as string) : "";

  useEffect(() => {
    const text = search.trim();
    if (!text && !meta.browse) {
      setResults(undefined);
      setError(undefined);
      return;
    }
    const ask = ++asked.current;
    const timer = setTimeout(
      () => {
        setSearching(true);
        api.get<{ items: Resource[] }>(`/connections/${connectionId}/resources${text ? `?search=${encodeURIComponent(text)}` : ""}`).then(
          (r) => {
            if (ask !== asked.current) return;
            setResults(r.items);
            setActive(-1);
            setError(undefined);
            setSearching(false);
          },
          (e: unknown) => {
            if (ask !== asked.current) return;
            setResults(undefined);
            setError(errorMessage(e));
            setSearching(false);
          },
        );
      },
      text ? 300 : 0,
    );
    return () => clearTimeout(timer);
  }, [api, connectionId, search, meta.browse]);

  // The chosen resource's count, asked by its id (also for a link opened again).
  useEffect(() => {
    setCount(undefined);
    if (!lookup) return;
    api.get<{ items: Resource[] }>(`/connections/${connectionId}/resources?search=${encodeURIComponent(lookup)}`).then(
      (r) => {
        const found = r.items[0];
        setCount(found?.count === undefined ? undefined : countText(found.count, meta.countNoun));
      },
      (e: unknown) => setCount(errorMessage(e)),
    );
  }, [api, connectionId, lookup, meta.countNoun]);

  const pick = (r: Resource) => {
    const next: FormValues = { ...props.values };
    // What the previous pick filled goes first: a worksheet then a named range must not leave both.
    for (const key of [...meta.idFields, ...Object.keys(picked?.source ?? {})]) next[key] = "";
    Object.assign(next, asValues(r.source ?? { [meta.idFields[0] ?? "id"]: r.id }));
    if (meta.nameField && !next[meta.nameField]) next[meta.nameField] = r.name;
    setPicked(r);
    props.onChange(next);
  };

  const clear = () => {
    const next: FormValues = { ...props.values };
    for (const key of meta.idFields) next[key] = "";
    setPicked(undefined);
    props.onChange(next);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (!results?.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (i + step + results.length) % results.length);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      pick(results[active]!);
    } else if (e.key === "Escape" && active >= 0) {
      e.stopPropagation();
      setActive(-1);
    }
  };

  const chosenId = meta.idFields.map((f) => props.values[f]).find((v) => typeof v === "string" && v !== "") as string | undefined;
  const storedName = meta.nameField && typeof props.values[meta.nameField] === "string" ? (props.values[meta.nameField] as string) : "";
  const details = (meta.detailFields ?? []).map((f) => props.values[f]).filter((v): v is string => typeof v === "string" && v.trim() !== "");
  const chosenName =
    (storedName && [storedName, ...details].join(" · ")) || (picked && chosenId === (picked.source?.[meta.idFields[0] ?? ""] ?? picked.id) ? picked.name : undefined) || chosenId;
  const isChosen = (r: Resource) => r.id === picked?.id || (chosenId !== undefined && (r.id === chosenId || r.source?.[meta.idFields[0] ?? ""] === chosenId));
  const open = results !== undefined;
  const optionId = (i: number) => `${listId}-option-${i}`;

  return (
    <>
      <Field label={meta.label} hint={meta.hint} validationMessage={error ?? props.error} validationState={error || props.error ? "error" : "none"}>
        <Input
          name="resourceSearch"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
          value={search}
          onChange={(_, d) => setSearch(d.value)}
          onKeyDown={onKeyDown}
          placeholder={meta.placeholder}
          autoComplete="off"
          contentAfter={searching ? <Spinner size="extra-tiny" aria-label="Searching" /> : undefined}
        />
      </Field>
      {open &&
        (results.length === 0 ? (
          <Caption1 role="status">{search.trim() ? `Nothing matches “${search.trim()}”.` : "Nothing to list yet: type to search."}</Caption1>
        ) : (
          <ul id={listId} role="listbox" aria-label={meta.listLabel} className={s.list}>
            {results.map((r, i) => (
              <li
                key={`${r.kind}:${r.id}`}
                id={optionId(i)}
                role="option"
                aria-selected={isChosen(r)}
                className={mergeClasses(s.option, i === active && s.active)}
                onClick={() => pick(r)}
                onMouseEnter={() => setActive(i)}
              >
                <Text>{r.name}</Text>
                <Caption1 className={s.meta}>
                  {fieldLabel(r.kind)}
                  {r.count !== undefined ? ` · ${r.count.toLocaleString()} ${meta.countNoun ?? "items"}` : ""}
                </Caption1>
              </li>
            ))}
          </ul>
        ))}
      {chosenId && meta.idFields.length > 0 && (
        <div className={s.picked}>
          <Text data-testid="picked-resource">
            {meta.label}: <strong>{chosenName}</strong>
            {count ? ` · ${count}` : ""}
          </Text>
          <Button size="small" appearance="subtle" onClick={clear}>
            Clear
          </Button>
        </div>
      )}
    </>
  );
}
