import type { z } from "zod";
import type * as s from "../../core/okr/schemas.js";

/** The API's response shapes, taken from the server's own zod schemas (type-only: nothing is bundled). */
export type KeyResult = z.output<typeof s.keyResultView>;
export type Objective = z.output<typeof s.objectiveView>;
export type CheckIn = z.output<typeof s.checkInView>;
export type Activity = z.output<typeof s.activityView>;
export type Team = z.output<typeof s.teamView>;
export type Period = z.output<typeof s.periodView>;
export type User = z.output<typeof s.userView>;
export type Measurement = z.output<typeof s.measurementSchema>;
export type Status = z.output<typeof s.statusSchema>;
export type Project = z.output<typeof s.projectView>;
export type Task = z.output<typeof s.taskView>;
export type Page<T> = { items: T[]; nextCursor: string | null };

export interface Me {
  user: User;
  organization: { id: string; tenantId: string; name: string; version: number };
}
