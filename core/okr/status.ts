import type { OkrStatus } from "./model.js";

/** How far below expected progress (in percentage points) "behind" turns into "at risk". */
export const AT_RISK_GAP = 25;

/**
 * Status from progress against expected progress (both 0–100): at or above expected is on track,
 * up to 25 points below is behind, more is at risk. A status the owner set in the latest
 * check-in wins over the computed one.
 */
export function computeStatus(progress: number, expected: number): OkrStatus {
  const gap = expected - progress;
  if (gap <= 1e-9) return "on_track";
  return gap <= AT_RISK_GAP ? "behind" : "at_risk";
}

export function effectiveStatus(progress: number, expected: number, ownerStatus: OkrStatus | null | undefined): OkrStatus {
  return ownerStatus ?? computeStatus(progress, expected);
}

export const statusLabel: Record<OkrStatus, string> = { on_track: "On track", behind: "Behind", at_risk: "At risk" };
