import type { z } from "zod";
import { conflict, forbidden, notFound } from "../../errors/appError.js";
import type { Actor } from "../actor.js";
import { invalidField } from "../errors.js";
import type { Period } from "../model.js";
import { canManagePeriods } from "../permissions.js";
import { contains, parseQuarterKey, quarterOf, type QuarterSpec } from "../periods.js";
import type * as s from "../schemas.js";
import { OkrContext, versionToUse } from "./context.js";

type PeriodCreate = z.output<typeof s.periodCreate>;
type PeriodUpdate = z.output<typeof s.periodUpdate>;

/** Counts the documents of one tenant that name a period (objectives, Power BI feed queries…). */
export type PeriodReferenceCounter = (tenantId: string, periodId: string) => Promise<number>;

/**
 * Periods: quarters exist on demand (the current one is created when first asked for; anyone
 * may add a quarter, since quarters are the same for everyone), custom periods are added by org
 * admins. The current period is the quarter containing today.
 */
export class PeriodService extends OkrContext {
  /** What keeps a period from being deleted, by the name used in the 409's details. */
  private readonly references = new Map<string, PeriodReferenceCounter>([
    ["objectives", (tenantId, periodId) => this.okr.objectives.count(tenantId, { periodId })],
  ]);

  /** Modules outside core/okr that store period ids (the Power BI feed's saved queries) register here. */
  addReferences(name: string, count: PeriodReferenceCounter): void {
    this.references.set(name, count);
  }

  async list(actor: Actor): Promise<Period[]> {
    await this.current(actor);
    const periods = await this.okr.periods.find(actor.tenantId, {});
    return periods.sort((a, b) => a.startDate.localeCompare(b.startDate) || a.endDate.localeCompare(b.endDate));
  }

  current(actor: Actor): Promise<Period> {
    return this.ensureQuarter(actor.tenantId, quarterOf(this.now()));
  }

  isCurrent(period: Period): boolean {
    return period.kind === "quarter" && contains(period, this.now());
  }

  async get(actor: Actor, id: string): Promise<Period> {
    const period = await this.okr.periods.findById(actor.tenantId, id);
    if (!period) throw notFound("Period");
    return period;
  }

  async create(actor: Actor, input: PeriodCreate): Promise<{ period: Period; created: boolean }> {
    if ("quarter" in input) {
      const spec = parseQuarterKey(input.quarter);
      if (!spec) throw invalidField("quarter", "must look like 2027-Q1");
      const before = await this.okr.periods.findOne(actor.tenantId, { key: spec.key });
      return { period: await this.ensureQuarter(actor.tenantId, spec), created: !before };
    }
    if (!canManagePeriods(actor)) throw forbidden("Only org owners and admins add custom periods.");
    const id = crypto.randomUUID();
    const period = await this.okr.periods.insert(actor.tenantId, { _id: id, key: `custom:${id}`, kind: "custom", name: input.name, startDate: input.startDate, endDate: input.endDate });
    return { period, created: true };
  }

  async update(actor: Actor, id: string, input: PeriodUpdate): Promise<Period> {
    if (!canManagePeriods(actor)) throw forbidden("Only org owners and admins edit periods.");
    const period = await this.get(actor, id);
    if (period.kind === "quarter" && (input.startDate || input.endDate)) throw conflict("A quarter's dates are fixed; add a custom period instead.");
    const startDate = input.startDate ?? period.startDate;
    const endDate = input.endDate ?? period.endDate;
    if (endDate < startDate) throw invalidField("endDate", "must not be before startDate");
    const updated = await this.okr.periods.update(
      actor.tenantId,
      id,
      { $set: { name: input.name ?? period.name, startDate, endDate } },
      { expectedVersion: versionToUse(input.version, period) },
    );
    if (!updated) throw notFound("Period");
    return updated;
  }

  /**
   * Org admins delete a period nothing uses; the current quarter stays (it would be created again
   * at once). There are no transactions (FerretDB v1), so this checks, deletes, then checks again:
   * an objective that landed in the period meanwhile gets its period back (same id, version 1)
   * and the caller a 409. What remains is a writer that checked the period before the delete and
   * writes only after the second count: objective writes check the period a few reads before they
   * write, so that needs a whole delete to fit inside one create/move/carry-over request. Such an
   * objective still lists (evaluated without a date range) but is missing from the Power BI feed
   * and refuses check-ins until it is moved to a period.
   */
  async delete(actor: Actor, id: string, version?: number): Promise<void> {
    const period = await this.get(actor, id);
    if (!canManagePeriods(actor)) throw forbidden("Only org owners and admins delete periods.");
    if (version !== undefined && version !== period.version) {
      throw conflict(`This was changed by someone else (now version ${period.version}, you had ${version}); reload and try again.`, { currentVersion: period.version });
    }
    if (this.isCurrent(period)) throw conflict("The current quarter cannot be deleted: it would be created again at once.", { current: true });
    const inUse = await this.usage(actor.tenantId, id);
    if (inUse) throw periodInUse(period, inUse);
    if (!(await this.okr.periods.delete(actor.tenantId, id))) throw notFound("Period");
    const raced = await this.usage(actor.tenantId, id);
    if (raced) {
      const { _id, key, kind, name, startDate, endDate } = period;
      await this.okr.periods.insert(actor.tenantId, { _id, key, kind, name, startDate, endDate });
      throw periodInUse(period, raced);
    }
  }

  /** Every count by reference name, or null when all are zero. */
  private async usage(tenantId: string, id: string): Promise<Record<string, number> | null> {
    const counts = await Promise.all([...this.references].map(async ([name, count]) => [name, await count(tenantId, id)] as const));
    return counts.some(([, n]) => n > 0) ? Object.fromEntries(counts) : null;
  }

  /** Idempotent, also under concurrency: the unique (tenantId, key) index lets one insert win. */
  async ensureQuarter(tenantId: string, spec: QuarterSpec): Promise<Period> {
    const existing = await this.okr.periods.findOne(tenantId, { key: spec.key });
    if (existing) return existing;
    try {
      return await this.okr.periods.insert(tenantId, { key: spec.key, kind: "quarter", name: spec.name, startDate: spec.startDate, endDate: spec.endDate });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const winner = await this.okr.periods.findOne(tenantId, { key: spec.key });
      if (!winner) throw error;
      return winner;
    }
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What to do about each kind of reference, for the 409's message. */
const REMEDIES: Record<string, (n: number) => string> = {
  objectives: (n) => `move or delete its ${plural(n, "objective", "objectives")}`,
  feedQueries: (n) => `remove it from ${plural(n, "Power BI feed query", "Power BI feed queries")}`,
};

function periodInUse(period: Period, counts: Record<string, number>) {
  const remedies = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => REMEDIES[name]?.(n) ?? `remove its ${plural(n, name, name)}`)
    .join(" and ");
  return conflict(`"${period.name}" is still in use. ${remedies.charAt(0).toUpperCase()}${remedies.slice(1)} first.`, counts);
}
