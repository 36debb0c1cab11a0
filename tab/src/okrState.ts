import type { Session } from "./session.js";
import type { KeyResult, Objective, Status } from "./types.js";

export function canManage(session: Session, objective: Pick<Objective, "owner">): boolean {
  if (session.isAdmin) return true;
  if (objective.owner.type === "user") return objective.owner.id === session.me.user.id;
  return session.managedTeams.some((t) => t.id === objective.owner.id);
}

export function canEditKeyResult(session: Session, objective: Pick<Objective, "owner">, kr: Pick<KeyResult, "ownerUserId">): boolean {
  return canManage(session, objective) || kr.ownerUserId === session.me.user.id;
}

/** The optimistic picture of a KR right after a check-in, until the server answers with the real one. */
export function optimisticCheckIn(kr: KeyResult, value: number, status: Status | null): KeyResult {
  const m = kr.measurement;
  let progress = kr.progress;
  if (m.kind === "percent") progress = Math.max(0, Math.min(100, value));
  else if (m.kind === "milestone") progress = value >= 1 ? 100 : 0;
  else if (m.kind === "metric") progress = Math.max(0, Math.min(100, ((value - m.start) / (m.target - m.start)) * 100));
  else progress = (m.direction === "above" ? value >= m.threshold : value <= m.threshold) ? 100 : 0;
  return { ...kr, current: value, progress, status: status ?? kr.status, statusSetByOwner: status !== null };
}
