import { createRequire } from "node:module";
import type { Measurement, OkrStatus } from "../../core/okr/model.js";
import { statusLabel } from "../../core/okr/status.js";

export type Card = Record<string, unknown>;

// Loaded untyped: the package's type declarations import `adaptivecards/src/*.ts`, which this
// project's compiler settings (verbatimModuleSyntax) cannot check.
const { Template } = createRequire(import.meta.url)("adaptivecards-templating") as {
  Template: new (payload: unknown) => { expand(context: { $root: unknown }): unknown };
};

/** Expands an Adaptive Cards template with `data` as `$root`. Data values are inserted as text, never evaluated. */
export function expand(template: Card, data: object): Card {
  return new Template(template).expand({ $root: data }) as Card;
}

export const CARD_VERSION = "1.5";

export const statusColor: Record<OkrStatus, "Good" | "Warning" | "Attention"> = { on_track: "Good", behind: "Warning", at_risk: "Attention" };

export const statusText = (status: OkrStatus) => statusLabel[status];

export const percentText = (progress: number) => `${Math.round(progress)}%`;

/** A KR value as people read it: `42%`, `1,250 users`, `Done`. */
export function valueText(measurement: Measurement, value: number | null): string {
  if (value === null) return "not measured yet";
  switch (measurement.kind) {
    case "percent":
      return `${roundTo(value, 1)}%`;
    case "milestone":
      return value >= 1 ? "Done" : "Not done";
    case "metric":
    case "kpi": {
      const number = roundTo(value, measurement.decimals).toLocaleString("en-US", { maximumFractionDigits: measurement.decimals });
      return measurement.unit ? `${number} ${measurement.unit}` : number;
    }
  }
}

/** What to type for a check-in of this KR. */
export function valueHint(measurement: Measurement): string {
  switch (measurement.kind) {
    case "percent":
      return "A number from 0 to 100";
    case "milestone":
      return "1 when done, 0 when not";
    case "metric":
      return `From ${measurement.start} to ${measurement.target}${measurement.unit ? ` ${measurement.unit}` : ""}`;
    case "kpi":
      return `Keep ${measurement.direction} ${measurement.threshold}${measurement.unit ? ` ${measurement.unit}` : ""}`;
  }
}

const roundTo = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Teams renders longer titles badly and result lists must stay small (28 KB): cut long text. */
export const clip = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `Action.Execute` verb that answers the card with current values (the card's `refresh` and its Refresh button). */
export const REFRESH_VERB = "refresh";

/** Teams refreshes a card automatically for at most 60 people (`refresh.userIds`). */
export const MAX_REFRESH_USER_IDS = 60;

/**
 * Universal Actions, finished after templating (templating turns bound values into strings):
 * every `Action.Execute` gets `extraData` merged into its data, its `version` back as a number,
 * and an `Action.Submit` fallback with the same data plus `verb`, for clients without Universal
 * Actions (the bot then answers with a new message instead of replacing the card). With
 * `refresh`, the card carries `refresh` (verb `refresh`) for the given Teams user ids (≤ 60).
 */
export function finishActions(card: Card, options: { extraData?: Record<string, unknown>; refresh?: { data: Record<string, unknown>; userIds: readonly string[] | undefined } } = {}): Card {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    const element = node as Record<string, unknown>;
    if (element.type === "Action.Execute" && element.fallback === undefined) {
      const data: Record<string, unknown> = { ...((element.data as Record<string, unknown> | undefined) ?? {}), ...(options.extraData ?? {}) };
      if (typeof data.version === "string" && data.version !== "" && !Number.isNaN(Number(data.version))) data.version = Number(data.version);
      element.data = data;
      element.fallback = { type: "Action.Submit", title: element.title, data: { ...data, verb: element.verb } };
      return;
    }
    for (const value of Object.values(element)) if (typeof value === "object") visit(value);
  };
  visit(card.body);
  visit(card.actions);
  const userIds = (options.refresh?.userIds ?? []).filter(Boolean).slice(-MAX_REFRESH_USER_IDS);
  if (options.refresh && userIds.length > 0) {
    card.refresh = { action: { type: "Action.Execute", title: "Refresh", verb: REFRESH_VERB, data: options.refresh.data }, userIds };
  }
  return card;
}

/** Templating leaves Input.Number values as strings: numbers (or nothing) for the schema and Teams. */
export function fixNumberInputs(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(fixNumberInputs);
  if (!node || typeof node !== "object") return;
  const element = node as Record<string, unknown>;
  if (element.type === "Input.Number") {
    if (element.value === "" || element.value === undefined || Number.isNaN(Number(element.value))) delete element.value;
    else element.value = Number(element.value);
  }
  for (const value of Object.values(element)) if (typeof value === "object") fixNumberInputs(value);
}

/** The two answers of a milestone key result's value input ("1" done, "0" not done). */
export const MILESTONE_CHOICES = [
  { title: "Done", value: "1" },
  { title: "Not done", value: "0" },
];
