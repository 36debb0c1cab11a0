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

/**
 * Periods: quarters exist on demand (the current one is created when first asked for; anyone
 * may add a quarter, since quarters are the same for everyone), custom periods are added by org
 * admins. The current period is the quarter containing today.
 */
export class PeriodService extends OkrContext {
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
