import type { Period, User } from "../types.js";

/** The <option>s of a period picker, the current period marked. */
export function periodOptions(periods: readonly Period[]) {
  return periods.map((p) => (
    <option key={p.id} value={p.id}>
      {p.name}
      {p.current ? " (current)" : ""}
    </option>
  ));
}

/** The <option>s of a person picker (owner, assignee). */
export function personOptions(people: readonly Pick<User, "id" | "name">[]) {
  return people.map((u) => (
    <option key={u.id} value={u.id}>
      {u.name}
    </option>
  ));
}
