import { randomUUID } from "node:crypto";
import { conflict } from "../../errors/appError.js";
import { paginate, type Page, type PageRequest } from "../../store/pagination.js";
import type { Actor } from "../actor.js";
import { invalidField, objectiveClosed } from "../errors.js";
import type { CheckIn, CheckInSource, KeyResult, Measurement, Objective, OkrStatus } from "../model.js";
import { canEditKeyResult } from "../permissions.js";
import { isLate } from "../periods.js";
import { keyResultProgress } from "../progress.js";
import { OkrContext } from "./context.js";

export interface CheckInInput {
  /** Your id for this check-in: calling again with it is a safe retry (the sync engine derives it from the fetch). */
  id?: string | undefined;
  value: number;
  status?: OkrStatus | null | undefined;
  note?: string | undefined;
  /** The KR version the value was decided on; a stale one gets 409. Optional. */
  expectedVersion?: number | undefined;
  source: CheckInSource;
}

export interface CheckInResult {
  checkIn: CheckIn;
  keyResult: KeyResult;
  /** true when this id had been fully recorded before: nothing changed this time. */
  replayed: boolean;
}

function assertValueFits(measurement: Measurement, value: number): void {
  if (measurement.kind === "percent" && (value < 0 || value > 100)) throw invalidField("value", "must be between 0 and 100 for a percent key result");
  if (measurement.kind === "milestone" && value !== 0 && value !== 1) throw invalidField("value", "must be 1 (done) or 0 (not done) for a milestone");
}

/**
 * Check-ins: the one way a key result's value changes, for people (tab, bot) and integrations
 * (the sync engine) alike.
 *
 * No transactions, so the writes are ordered and each is idempotent:
 *   1. insert the check-in as `pending` under its id (history does not show pending ones);
 *   2. update the KR (current value, `lastCheckIn`) guarded by its version;
 *   3. mark the check-in `applied`; 4. add the feed entry (same id); 5. publish the event.
 * If anything fails, calling again with the same id resumes where it stopped; a pending check-in
 * that the KR already carries (step 3 failed) is shown as history, one it does not is not.
 */
export class CheckInService extends OkrContext {
  async checkIn(actor: Actor, keyResultId: string, input: CheckInInput): Promise<CheckInResult> {
    const { tenantId } = actor;
    let { keyResult, objective } = await this.requireKeyResult(tenantId, keyResultId);
    if (actor.orgRole !== "system") {
      this.assertAllowed(canEditKeyResult(actor, objective, keyResult, await this.teamLookup(tenantId)), "Only the key result's owner, the objective's owners or an org admin can check in.");
    }
    if (objective.state === "closed") throw objectiveClosed();
    assertValueFits(keyResult.measurement, input.value);
    if (input.expectedVersion !== undefined && input.expectedVersion !== keyResult.version) {
      throw conflict(`The key result changed meanwhile (now version ${keyResult.version}, you had ${input.expectedVersion}); reload and try again.`, { currentVersion: keyResult.version });
    }

    const id = input.id ?? randomUUID();
    let checkIn = await this.okr.checkIns.findById(tenantId, id);
    if (checkIn && checkIn.keyResultId !== keyResultId) throw conflict("This check-in id is already used for another key result.");
    if (checkIn?.state === "applied") return { checkIn, keyResult, replayed: true };
    if (!checkIn) {
      const at = this.now();
      const period = await this.periodOf(tenantId, objective);
      try {
        checkIn = await this.okr.checkIns.insert(
          tenantId,
          {
            _id: id,
            keyResultId,
            objectiveId: objective._id,
            value: input.value,
            previousValue: keyResult.current,
            status: input.status ?? null,
            note: input.note ?? "",
            authorId: actor.userId,
            source: input.source,
            origin: actor.origin,
            at,
            late: isLate(period, at),
            state: "pending",
          },
          at,
        );
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        return this.checkIn(actor, keyResultId, input); // a concurrent retry inserted it first
      }
    }

    keyResult = await this.applyToKeyResult(tenantId, keyResult, checkIn, input.expectedVersion);
    await this.okr.checkIns.update(tenantId, checkIn._id, { $set: { state: "applied" } });
    checkIn = { ...checkIn, state: "applied" };
    await this.record(
      actor,
      {
        _id: checkIn._id,
        kind: checkIn.source.kind === "integration" ? "sync" : "check_in",
        subjectType: "keyResult",
        subjectId: keyResultId,
        objectiveId: objective._id,
        text: checkIn.note,
        data: { checkInId: checkIn._id, value: checkIn.value, previousValue: checkIn.previousValue, status: checkIn.status, late: checkIn.late },
      },
      checkIn.at,
    );
    void this.events.publish("keyResult.checkedIn", {
      tenantId,
      checkIn,
      keyResult,
      objective,
      progress: keyResultProgress(keyResult.measurement, keyResult.current),
    });
    return { checkIn, keyResult, replayed: false };
  }

  /** Step 2: make the KR carry the check-in, unless it already does or carries a newer one. */
  private async applyToKeyResult(tenantId: string, start: KeyResult, checkIn: CheckIn, expectedVersion: number | undefined): Promise<KeyResult> {
    let keyResult = start;
    for (let attempt = 0; ; attempt += 1) {
      const carried = keyResult.lastCheckIn;
      if (carried?.id === checkIn._id || (carried && carried.at > checkIn.at)) return keyResult;
      try {
        const updated = await this.okr.keyResults.update(
          tenantId,
          keyResult._id,
          {
            $set: {
              current: checkIn.value,
              lastCheckIn: {
                id: checkIn._id,
                at: checkIn.at,
                value: checkIn.value,
                status: checkIn.status,
                authorId: checkIn.authorId,
                sourceKind: checkIn.source.kind,
                sourceFingerprint: checkIn.source.kind === "integration" ? checkIn.source.sourceFingerprint : null,
                late: checkIn.late,
              },
            },
          },
          { expectedVersion: expectedVersion ?? keyResult.version },
        );
        if (!updated) throw conflict("The key result was deleted meanwhile.");
        return updated;
      } catch (error) {
        // Someone else edited the KR between our read and write: without a caller version, a
        // check-in overwrites nothing of theirs, so re-read and apply again.
        if (expectedVersion !== undefined || attempt >= 4 || (error as { id?: string }).id !== "conflict") throw error;
        ({ keyResult } = await this.requireKeyResult(tenantId, keyResult._id));
      }
    }
  }

  /** History, newest first. Pending check-ins are shown only once the KR carries them. */
  async history(actor: Actor, keyResultId: string, page: PageRequest): Promise<Page<CheckIn>> {
    const { keyResult } = await this.requireKeyResult(actor.tenantId, keyResultId);
    const carried = keyResult.lastCheckIn?.id;
    const visible = carried ? { $or: [{ state: "applied" }, { _id: carried }] } : { state: "applied" };
    return paginate(this.okr.checkIns, actor.tenantId, { keyResultId, ...visible } as never, page, -1);
  }

  async objectiveOf(actor: Actor, keyResultId: string): Promise<Objective> {
    return (await this.requireKeyResult(actor.tenantId, keyResultId)).objective;
  }
}
