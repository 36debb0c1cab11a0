import { Checkbox, Field, Input, Select, Textarea, makeStyles, tokens } from "@fluentui/react-components";
import type { FieldErrors } from "../forms/formKit.js";
import { asObjectSchema, type JsonSchemaProperty, type ObjectSchema } from "./types.js";

/**
 * A form generated from a connector's JSON Schema (`GET /api/v1/integrations` → `schemas`):
 * strings, numbers, booleans and enums; long text (SQL, a JSON key) as a textarea; secrets as
 * password fields that are never pre-filled. Values are kept as typed (strings) and converted by
 * `toPayload` when sent, so a half-typed number is never lost.
 */
export type FormValues = Record<string, string | boolean>;

const ACRONYMS = new Set(["url", "id", "api", "pat", "sql", "json", "uri"]);

/** `baseUrl` → "Base URL", `maximumBytesBilled` → "Maximum bytes billed". */
export function fieldLabel(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").split(/[\s_]+/).filter(Boolean);
  return words
    .map((w, i) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w.toLowerCase()))
    .join(" ");
}

const typeOf = (p: JsonSchemaProperty) => (Array.isArray(p.type) ? p.type.find((t) => t !== "null") : p.type);
/** Long text: SQL, a pasted key file. */
const isLongText = (p: JsonSchemaProperty) => typeOf(p) === "string" && (p.maxLength ?? 0) >= 10_000;

export function visibleFields(schema: ObjectSchema, hidden: string[] = []): Array<[string, JsonSchemaProperty]> {
  return Object.entries(schema.properties ?? {}).filter(([name]) => !hidden.includes(name));
}

/** Initial values: defaults for enums and booleans; secrets always empty. */
export function initialValues(schemaJson: Record<string, unknown> | undefined, current: Record<string, unknown> = {}, secret = false): FormValues {
  const values: FormValues = {};
  for (const [name, p] of Object.entries(asObjectSchema(schemaJson).properties ?? {})) {
    if (secret) {
      values[name] = "";
      continue;
    }
    const value = current[name] ?? (p.enum || typeOf(p) === "boolean" ? p.default : undefined);
    values[name] = typeof value === "boolean" ? value : value === undefined || value === null ? "" : String(value);
  }
  return values;
}

/** Typed values → the object the API validates; empty fields are left out (the connector's defaults apply). */
export function toPayload(schemaJson: Record<string, unknown> | undefined, values: FormValues, hidden: string[] = []): { payload: Record<string, unknown>; errors: FieldErrors } {
  const schema = asObjectSchema(schemaJson);
  const payload: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const [name, p] of visibleFields(schema, hidden)) {
    const raw = values[name];
    const type = typeOf(p);
    if (type === "boolean") {
      if (typeof raw === "boolean") payload[name] = raw;
      continue;
    }
    const text = typeof raw === "string" ? raw : "";
    if (text.trim() === "") {
      if (schema.required?.includes(name)) errors[name] = "Required.";
      continue;
    }
    if (type === "number" || type === "integer") {
      const n = Number(text.trim().replace(",", "."));
      if (!Number.isFinite(n) || (type === "integer" && !Number.isInteger(n))) errors[name] = type === "integer" ? "A whole number." : "A number.";
      else payload[name] = n;
    } else payload[name] = text;
  }
  return { payload, errors };
}

// On the <textarea> itself: Fluent sets the font there, so a style on the Textarea's root is overridden.
const useStyles = makeStyles({ code: { fontFamily: tokens.fontFamilyMonospace } });

export function SchemaForm(props: {
  schema: Record<string, unknown> | undefined;
  values: FormValues;
  onChange: (values: FormValues) => void;
  errors?: FieldErrors;
  /** Secrets: password fields, never pre-filled; `setNames` are those already stored. */
  secret?: boolean;
  setNames?: string[];
  hidden?: string[];
  disabled?: boolean;
  /** Friendlier words for enum values, by field: `{ measure: { countTotal: "Number of work items" } }`. */
  optionLabels?: Record<string, Record<string, string>>;
}) {
  const s = useStyles();
  const schema = asObjectSchema(props.schema);
  const set = (name: string, value: string | boolean) => props.onChange({ ...props.values, [name]: value });
  return (
    <>
      {visibleFields(schema, props.hidden).map(([name, p]) => {
        const label = fieldLabel(name);
        const required = schema.required?.includes(name) ?? false;
        const hint = [p.description, props.secret && props.setNames?.includes(name) ? "Stored: leave empty to keep it." : undefined].filter(Boolean).join(" · ") || undefined;
        const value = props.values[name];
        const text = typeof value === "string" ? value : "";
        const type = typeOf(p);
        const common = { label, required, hint, validationMessage: props.errors?.[name] };
        if (type === "boolean") {
          return (
            <Field key={name} {...common} label={undefined}>
              <Checkbox checked={value === true} onChange={(_, d) => set(name, Boolean(d.checked))} label={label} disabled={props.disabled} />
            </Field>
          );
        }
        if (p.enum) {
          return (
            <Field key={name} {...common}>
              <Select name={name} value={text} onChange={(_, d) => set(name, d.value)} disabled={props.disabled}>
                {!required && p.default === undefined && <option value="">—</option>}
                {p.enum.map((option) => (
                  <option key={String(option)} value={String(option)}>
                    {props.optionLabels?.[name]?.[String(option)] ?? fieldLabel(String(option))}
                  </option>
                ))}
              </Select>
            </Field>
          );
        }
        if (isLongText(p)) {
          return (
            <Field key={name} {...common}>
              <Textarea
                name={name}
                value={text}
                onChange={(_, d) => set(name, d.value)}
                resize="vertical"
                rows={props.secret ? 4 : 6}
                maxLength={p.maxLength}
                disabled={props.disabled}
                autoComplete="off"
                spellCheck={false}
                textarea={props.secret ? undefined : { className: s.code }}
              />
            </Field>
          );
        }
        return (
          <Field key={name} {...common}>
            <Input
              name={name}
              type={props.secret ? "password" : type === "number" || type === "integer" ? "text" : p.format === "uri" ? "url" : "text"}
              inputMode={type === "number" || type === "integer" ? "decimal" : undefined}
              value={text}
              onChange={(_, d) => set(name, d.value)}
              placeholder={p.default !== undefined ? `default ${String(p.default)}` : undefined}
              maxLength={p.maxLength}
              autoComplete={props.secret ? "new-password" : "off"}
              disabled={props.disabled}
            />
          </Field>
        );
      })}
    </>
  );
}

/** `config.baseUrl: …` style API field errors → errors keyed by field name, for one prefix. */
export function errorsUnder(errors: FieldErrors, prefix: string): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, message] of Object.entries(errors)) {
    if (path.startsWith(`${prefix}.`)) out[path.slice(prefix.length + 1).split(".")[0]!] ??= message;
  }
  return out;
}
