import type { Period } from "../types.js";

/** The <option>s of a period picker, the current period marked. */
export function periodOptions(periods: readonly Period[]) {
  return periods.map((p) => (
    <option key={p.id} value={p.id}>
      {p.name}
      {p.current ? " (current)" : ""}
    </option>
  ));
}
