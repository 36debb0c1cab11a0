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
