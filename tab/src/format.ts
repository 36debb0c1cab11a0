import type { Measurement, Status } from "./types.js";

export const statusLabel: Record<Status, string> = { on_track: "On track", behind: "Behind", at_risk: "At risk" };

export function formatNumber(value: number, decimals = 0): string {
  return value.toLocaleString(undefined, { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A measured value as people read it: "45 %", "120 orgs", "Done". */
export function formatValue(m: Measurement, value: number | null): string {
  if (value === null) return "No check-in yet";
  switch (m.kind) {
    case "percent":
      return `${formatNumber(value, value % 1 === 0 ? 0 : 1)} %`;
    case "milestone":
      return value >= 1 ? "Done" : "Not done";
    case "metric":
    case "kpi":
      return `${formatNumber(value, m.decimals)}${m.unit ? ` ${m.unit}` : ""}`;
  }
}

/** What the KR aims at: "120 → 200 orgs", "above 110 %", "done". */
export function formatTarget(m: Measurement): string {
  switch (m.kind) {
    case "percent":
      return "0 → 100 %";
    case "milestone":
      return "Done / not done";
    case "metric":
      return `${formatNumber(m.start, m.decimals)} → ${formatNumber(m.target, m.decimals)}${m.unit ? ` ${m.unit}` : ""}`;
    case "kpi":
      return `Keep ${m.direction} ${formatNumber(m.threshold, m.decimals)}${m.unit ? ` ${m.unit}` : ""}`;
  }
}

export const kindLabel: Record<Measurement["kind"], string> = { percent: "Percent", metric: "Metric", kpi: "KPI", milestone: "Milestone" };

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

export function formatScore(score: number | null): string {
  return score === null ? "—" : score.toFixed(1);
}
