import type { ReminderSettings } from "../store/botStore.js";

/**
 * When check-in reminders are due, as pure functions of the organisation's rhythm, a person's
 * time zone and the current instant (no clock read here, so tests pass their own).
 *
 * Slots are local: "Monday 09:00" is 09:00 on the wall clock of each person's time zone.
 * - weekly / every 2 / every 3 weeks: the chosen weekday of every N-th week, weeks counted from
 *   the week of 1970-01-05 (a Monday), so the same weeks are chosen in every time zone and process;
 * - monthly: the first chosen weekday of each month.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** A usable IANA zone name, or undefined (Teams sends e.g. `Europe/Berlin`; anything else falls back to UTC). */
export function validTimeZone(zone: string | undefined): string | undefined {
  if (!zone || zone.length > 64) return undefined;
  try {
    formatter(zone);
    return zone;
  } catch {
    return undefined;
  }
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock date and time of `instant` in `timeZone`. */
export function localParts(instant: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(instant).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour) % 24, minute: Number(parts.minute), second: Number(parts.second) };
}

function offsetMs(instant: number, timeZone: string): number {
  const p = localParts(new Date(instant), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(instant / 1000) * 1000;
}

/** The instant the wall clock of `timeZone` shows that date and time (a time skipped by a DST jump lands just after it). */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let instant = wall - offsetMs(wall, timeZone);
  const corrected = offsetMs(instant, timeZone);
  if (wall - corrected !== instant) instant = wall - corrected;
  return new Date(instant);
}

const everyWeeks: Record<Exclude<ReminderSettings["rhythm"], "monthly" | "off">, number> = { weekly: 1, every2weeks: 2, every3weeks: 3 };

/** Whether the calendar day (days since 1970-01-01) is a reminder day of the rhythm. */
function isReminderDay(settings: ReminderSettings, dayNumber: number): boolean {
  const date = new Date(dayNumber * DAY_MS);
  if (date.getUTCDay() !== settings.weekday) return false;
  if (settings.rhythm === "monthly") return date.getUTCDate() <= 7;
  if (settings.rhythm === "off") return false;
  const week = Math.floor((dayNumber - 4) / 7); // day 4 = Monday 1970-01-05
  return week % everyWeeks[settings.rhythm] === 0;
}

/** The latest reminder slot at or before `now` for someone in `timeZone` (null when reminders are off). */
export function latestSlot(settings: ReminderSettings, timeZone: string, now: Date): Date | null {
  if (settings.rhythm === "off") return null;
  const [hour = 9, minute = 0] = settings.time.split(":").map(Number);
  const today = localParts(now, timeZone);
  const todayNumber = Math.floor(Date.UTC(today.year, today.month - 1, today.day) / DAY_MS);
  // Five weeks back covers every rhythm's gap (monthly: at most 35 days between first weekdays).
  for (let back = 0; back <= 36; back += 1) {
    const dayNumber = todayNumber - back;
    if (!isReminderDay(settings, dayNumber)) continue;
    const date = new Date(dayNumber * DAY_MS);
    const slot = zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute, timeZone);
    if (slot.getTime() <= now.getTime()) return slot;
  }
  return null;
}
