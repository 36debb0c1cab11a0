/**
 * Periods are calendar-day ranges (`YYYY-MM-DD`, UTC, both ends inclusive). Quarters are the
 * default (`2027-Q1`, "Q1 2027"); custom periods may have any range.
 */

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface PeriodRange {
  startDate: string;
  endDate: string;
}

export interface QuarterSpec extends PeriodRange {
  key: string;
  name: string;
}

export function isIsoDay(value: string): boolean {
  const match = ISO_DAY.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

export const dayStart = (day: string) => new Date(`${day}T00:00:00.000Z`);
/** The first instant after the period (its last day is inclusive). */
export const periodEndExclusive = (period: PeriodRange) => new Date(dayStart(period.endDate).getTime() + DAY_MS);
export const toIsoDay = (date: Date) => date.toISOString().slice(0, 10);

export function quarter(year: number, q: 1 | 2 | 3 | 4): QuarterSpec {
  const start = new Date(Date.UTC(year, (q - 1) * 3, 1));
  const end = new Date(Date.UTC(year, q * 3, 1) - DAY_MS);
  return { key: `${year}-Q${q}`, name: `Q${q} ${year}`, startDate: toIsoDay(start), endDate: toIsoDay(end) };
}

export function quarterOf(date: Date): QuarterSpec {
  return quarter(date.getUTCFullYear(), (Math.floor(date.getUTCMonth() / 3) + 1) as 1 | 2 | 3 | 4);
}

/** The quarter `offset` quarters after (negative: before) the one containing `date`. */
export function quarterShift(date: Date, offset: number): QuarterSpec {
  const index = date.getUTCFullYear() * 4 + Math.floor(date.getUTCMonth() / 3) + offset;
  return quarter(Math.floor(index / 4), ((index % 4) + 1) as 1 | 2 | 3 | 4);
}

/** Parses `2027-Q1` (or `Q1 2027`). */
export function parseQuarterKey(value: string): QuarterSpec | null {
  const keyForm = /^(\d{4})-Q([1-4])$/.exec(value);
  if (keyForm) return quarter(Number(keyForm[1]), Number(keyForm[2]) as 1 | 2 | 3 | 4);
  const nameForm = /^Q([1-4]) (\d{4})$/.exec(value);
  if (nameForm) return quarter(Number(nameForm[2]), Number(nameForm[1]) as 1 | 2 | 3 | 4);
  return null;
}

export function contains(period: PeriodRange, at: Date): boolean {
  return at >= dayStart(period.startDate) && at < periodEndExclusive(period);
}

/** A check-in made after the period's last day is late (still allowed, but flagged). */
export const isLate = (period: PeriodRange, at: Date) => at >= periodEndExclusive(period);

/** Expected progress at `at`: linear from 0 at the period's start to 100 at its end. */
export function expectedProgress(period: PeriodRange, at: Date): number {
  const start = dayStart(period.startDate).getTime();
  const end = periodEndExclusive(period).getTime();
  if (end <= start) return 100;
  return Math.min(100, Math.max(0, ((at.getTime() - start) / (end - start)) * 100));
}
