import { z } from "zod";
import type { OkrStatus } from "../../core/okr/model.js";
import { checkInCard, type CheckInCardData } from "../cards/checkInCard.js";
import { noticeCard, progressCard } from "../cards/progressCard.js";
import { valueText } from "../cards/template.js";
import type { InvokeResponse } from "../activity.js";
import { appErrorOf, type BotDeps, cardActionError, cardResponse, type Turn, type TurnUser, tabLink } from "./context.js";
import { keyResultCardData } from "./okrData.js";
import { MAX_REMINDER_ITEMS, reminderCard } from "../cards/reminderCard.js";
import { reminderItems } from "../reminders/reminders.js";

/** What `Action.Execute` sends: the action's `data` merged with the card's inputs (all strings from Teams). */
const checkInData = z.object({
  keyResultId: z.string().trim().min(1).max(100),
  version: z.coerce.number().int().min(1).optional(),
  value: z.union([z.number(), z.string()]).optional(),
  status: z.enum(["auto", "on_track", "behind", "at_risk", ""]).optional(),
  note: z.string().max(1000, "Keep the note under 1,000 characters").optional(),
});

/** Validates the inputs; the message says what to fix, for the card to show. */
export function parseCheckInInputs(data: unknown): { ok: true; value: number; status: OkrStatus | null; note: string; keyResultId: string; version: number | undefined } | { ok: false; message: string; keyResultId?: string } {
  const parsed = checkInData.safeParse(data);
  if (!parsed.success) {
    const keyResultId = typeof (data as { keyResultId?: unknown })?.keyResultId === "string" ? (data as { keyResultId: string }).keyResultId : undefined;
    return { ok: false, message: parsed.error.issues[0]?.message ?? "The check-in is invalid.", ...(keyResultId ? { keyResultId } : {}) };
  }
  const { keyResultId, version } = parsed.data;
  const raw = typeof parsed.data.value === "number" ? String(parsed.data.value) : (parsed.data.value ?? "").trim();
  const value = raw === "" ? Number.NaN : Number(raw.replace(/,/g, ""));
  if (!Number.isFinite(value)) return { ok: false, message: raw === "" ? "Enter the new value." : `“${raw}” is not a number.`, keyResultId };
  const status = !parsed.data.status || parsed.data.status === "auto" ? null : parsed.data.status;
  return { ok: true, value, status, note: (parsed.data.note ?? "").trim(), keyResultId, version };
}

/**
 * Verb `checkIn`: validates, checks in through the service (same permission rule as the tab),
 * and answers with the progress card. Invalid input or a refusal brings the form back with the
 * reason and the person's inputs. The invoke's activity id makes the check-in id, so Teams
 * retrying the same invoke records it once.
 */
export async function checkInAction(deps: BotDeps, turn: Turn, user: TurnUser, rawData: Record<string, unknown>): Promise<InvokeResponse> {
  const { tenantId } = user.caller;
  // A reminder card's rows name their inputs `value_<n>` / `note_<n>` and send `field: "<n>"`.
  const field = typeof rawData.field === "string" && /^\d{1,2}$/.test(rawData.field) ? rawData.field : undefined;
  const data = field ? { ...rawData, value: rawData[`value_${field}`], note: rawData[`note_${field}`], status: undefined } : rawData;
  const reminder = reminderOf(data);
  const inputs = { value: data.value === undefined ? undefined : String(data.value), status: typeof data.status === "string" ? data.status : undefined, note: typeof data.note === "string" ? data.note : undefined };
  const parsed = parseCheckInInputs(data);
  const keyResultId = parsed.ok ? parsed.keyResultId : parsed.keyResultId;
  if (!keyResultId) return cardActionError(400, "BadRequest", "The card did not say which key result to check in.");
  const found = await deps.okr.objectives.getKeyResult(user.actor, keyResultId).catch(() => null);
  if (!found && !reminder) return cardResponse(noticeCard("Key result not found", "It may have been deleted."));
  const form = async (error: string, keyResult = found?.keyResult): Promise<InvokeResponse> => {
    if (reminder) return reminderResponse(deps, turn, user, reminder, { keyResultId, error, inputs });
    return cardResponse(checkInCard({ keyResult: { id: keyResult!._id, title: keyResult!.title, version: keyResult!.version, measurement: keyResult!.measurement, current: keyResult!.current }, objectiveTitle: found!.objective.title, error, inputs } satisfies CheckInCardData));
  };
  if (!found) return form("It may have been deleted.");
  if (!parsed.ok) return form(parsed.message);

  const checkInId = `teams:${turn.activity.id ?? crypto.randomUUID()}`;
  const retried = turn.activity.id ? await deps.okr.store.checkIns.findById(tenantId, checkInId) : null;
  try {
    const result = await deps.okr.checkIns.checkIn(user.actor, keyResultId, {
      id: checkInId,
      value: parsed.value,
      status: parsed.status,
      note: parsed.note,
      // A retry of this very invoke resumes; otherwise a check-in on a stale card is refused.
      expectedVersion: retried ? undefined : parsed.version,
      source: { kind: "manual" },
    });
    if (reminder) return reminderResponse(deps, turn, user, reminder, undefined, keyResultId);
    const view = await keyResultCardData(deps.okr, tenantId, result.keyResult, found.objective);
    return cardResponse(
      progressCard({
        ...view,
        keyResultId,
        heading: `${user.caller.user.name} checked in`,
        previousValueText: valueText(result.keyResult.measurement, result.checkIn.previousValue),
        note: result.checkIn.note,
        late: result.checkIn.late,
        url: tabLink(deps, `/kr/${encodeURIComponent(keyResultId)}`),
        refreshUserIds: [turn.activity.from.id],
      }),
    );
  } catch (error) {
    const appError = appErrorOf(error);
    if (!appError) throw error;
    if (appError.id === "conflict") {
      const fresh = await deps.okr.objectives.getKeyResult(user.actor, keyResultId).catch(() => null);
      return form("Someone checked in meanwhile; here is the current value. Check in again if yours is newer.", fresh?.keyResult ?? found.keyResult);
    }
    if (appError.status === 400 || appError.status === 403 || appError.status === 409 || appError.status === 422) {
      const field = (appError.details as Array<{ message?: string }> | undefined)?.[0]?.message;
      return form(field ? `${appError.message} (${field})` : appError.message);
    }
    if (appError.status === 404) return reminder ? form("It may have been deleted.") : cardResponse(noticeCard("Key result not found", "It may have been deleted."));
    throw error;
  }
}

/** A reminder card's own data on its actions: the key results it lists and when it was made. */
export function reminderOf(data: Record<string, unknown>): { keyResultIds: string[]; since: number } | undefined {
  const ids = Array.isArray(data.reminder) ? data.reminder.filter((id): id is string => typeof id === "string" && id.length <= 100) : undefined;
  const since = Number(data.since);
  return ids && Number.isFinite(since) ? { keyResultIds: ids.slice(0, MAX_REMINDER_ITEMS), since } : undefined;
}

/** The reminder card again, with current values (and the error on the row that failed). */
export async function reminderResponse(
  deps: BotDeps,
  turn: Turn,
  user: TurnUser,
  reminder: { keyResultIds: string[]; since: number },
  failed?: { keyResultId: string; error: string; inputs: { value?: string | undefined; note?: string | undefined } },
  justCheckedIn?: string,
): Promise<InvokeResponse> {
  const items = await reminderItems(deps.okr, user.actor, reminder.keyResultIds, reminder.since, justCheckedIn);
  return cardResponse(
    reminderCard({
      items: items.map((item) => (failed && item.keyResult.id === failed.keyResultId ? { ...item, done: undefined, error: failed.error, inputs: failed.inputs } : item)),
      since: reminder.since,
      userIds: [turn.activity.from.id],
      tabUrl: tabLink(deps, "/my"),
    }),
  );
}

/** Verb `openCheckIn` (from the pick list): the check-in form of the chosen key result. */
export async function openCheckInAction(deps: BotDeps, user: TurnUser, data: Record<string, unknown>): Promise<InvokeResponse> {
  const keyResultId = typeof data.keyResultId === "string" ? data.keyResultId : "";
  if (!keyResultId) return cardActionError(400, "BadRequest", "Pick a key result first.");
  const found = await deps.okr.objectives.getKeyResult(user.actor, keyResultId).catch(() => null);
  if (!found) return cardResponse(noticeCard("Key result not found", "It may have been deleted."));
  const { keyResult, objective } = found;
  return cardResponse(checkInCard({ keyResult: { id: keyResult._id, title: keyResult.title, version: keyResult.version, measurement: keyResult.measurement, current: keyResult.current }, objectiveTitle: objective.title }));
}
