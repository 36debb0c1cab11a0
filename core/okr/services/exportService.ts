import type { Actor } from "../actor.js";
import { toCsv } from "../csv.js";
import { roundProgress } from "../progress.js";
import { statusLabel } from "../status.js";
import { OkrContext } from "./context.js";

const HEADER = [
  "type", "objective_id", "key_result_id", "title", "owner", "period", "measurement", "start", "target", "current", "unit",
  "weight", "progress_percent", "expected_percent", "status", "score", "last_check_in", "state",
] as const;

/** CSV of one period's objectives and their KRs, with progress and status as every surface shows them. */
export class ExportService extends OkrContext {
  async periodCsv(actor: Actor, periodId: string): Promise<{ filename: string; csv: string }> {
    const { tenantId } = actor;
    const period = await this.requirePeriod(tenantId, periodId);
    const objectives = (await this.okr.objectives.find(tenantId, { periodId })).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const evaluations = await this.evaluate(tenantId, objectives);
    const [users, teams] = await Promise.all([this.users.users.find(tenantId, {}, { projection: { name: 1 } }), this.okr.teams.find(tenantId, {}, { projection: { name: 1 } })]);
    const names = new Map<string, string>([...users, ...teams].map((d) => [d._id, String(d.name)]));
    const rows: Array<Array<string | number | null>> = [];
    for (const objective of objectives) {
      const evaluation = evaluations.get(objective._id);
      if (!evaluation) continue;
      rows.push([
        "objective", objective._id, null, objective.title, names.get(objective.ownerId) ?? objective.ownerId, period.name, null, null, null, null, null, null,
        roundProgress(evaluation.progress), roundProgress(evaluation.expected), statusLabel[evaluation.status], evaluation.score, null, objective.state,
      ]);
      for (const { keyResult: kr, evaluation: e } of evaluation.keyResults) {
        const m = kr.measurement;
        rows.push([
          "key_result", objective._id, kr._id, kr.title, names.get(kr.ownerUserId ?? objective.ownerId) ?? null, period.name, m.kind,
          m.kind === "metric" ? m.start : null,
          m.kind === "metric" ? m.target : m.kind === "kpi" ? `${m.direction === "above" ? ">=" : "<="} ${m.threshold}` : m.kind === "percent" ? 100 : m.kind === "milestone" ? 1 : null,
          kr.current, m.kind === "metric" || m.kind === "kpi" ? m.unit : m.kind === "percent" ? "%" : null, kr.weight,
          roundProgress(e.progress), roundProgress(e.expected), statusLabel[e.status], e.score, kr.lastCheckIn?.at.toISOString() ?? null, objective.state,
        ]);
      }
    }
    return { filename: `okrs-${period.key.replace(/[^A-Za-z0-9-]/g, "-")}.csv`, csv: toCsv(HEADER, rows) };
  }
}
