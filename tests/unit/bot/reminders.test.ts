import { afterEach, describe, expect, it, vi } from "vitest";
import { DebouncedBatches } from "../../../bot/notifications/batcher.js";
import { latestSlot, localParts, validTimeZone, zonedInstant } from "../../../bot/reminders/schedule.js";
import { DEFAULT_REMINDER_SETTINGS, type ReminderSettings } from "../../../bot/store/botStore.js";

const weekly = DEFAULT_REMINDER_SETTINGS;
const at = (iso: string) => new Date(iso);

describe("reminder slots", () => {
  it("is Monday 09:00 on each person's own wall clock", () => {
    // Wednesday 2027-01-13: the latest Monday 09:00 is 2027-01-11.
    expect(latestSlot(weekly, "UTC", at("2027-01-13T12:00:00Z"))?.toISOString()).toBe("2027-01-11T09:00:00.000Z");
    expect(latestSlot(weekly, "Europe/Berlin", at("2027-01-13T12:00:00Z"))?.toISOString()).toBe("2027-01-11T08:00:00.000Z");
    expect(latestSlot(weekly, "America/Los_Angeles", at("2027-01-13T12:00:00Z"))?.toISOString()).toBe("2027-01-11T17:00:00.000Z");
    // Monday 08:59 in Berlin: still last week's slot; 09:00 is this week's.
    expect(latestSlot(weekly, "Europe/Berlin", at("2027-01-18T07:59:00Z"))?.toISOString()).toBe("2027-01-11T08:00:00.000Z");
    expect(latestSlot(weekly, "Europe/Berlin", at("2027-01-18T08:00:00Z"))?.toISOString()).toBe("2027-01-18T08:00:00.000Z");
    // Tokyo's Monday 09:00 is Monday 00:00 UTC; at Sunday 23:30 UTC it is already Monday 08:30 there.
    expect(latestSlot(weekly, "Asia/Tokyo", at("2027-01-18T00:30:00Z"))?.toISOString()).toBe("2027-01-18T00:00:00.000Z");
    expect(latestSlot(weekly, "Asia/Tokyo", at("2027-01-17T23:30:00Z"))?.toISOString()).toBe("2027-01-11T00:00:00.000Z");
  });

  it("follows daylight saving time", () => {
    // Berlin is UTC+2 from 2027-03-28.
    expect(latestSlot(weekly, "Europe/Berlin", at("2027-03-29T12:00:00Z"))?.toISOString()).toBe("2027-03-29T07:00:00.000Z");
    expect(zonedInstant(2027, 3, 28, 2, 30, "Europe/Berlin").toISOString()).toBe("2027-03-28T01:30:00.000Z"); // skipped hour lands after the jump
    expect(localParts(at("2027-03-29T07:00:00Z"), "Europe/Berlin")).toMatchObject({ day: 29, hour: 9, minute: 0 });
  });

  it("every 2 or 3 weeks picks the same weeks everywhere; monthly the first weekday of the month; off never", () => {
    const gapOf = (settings: ReminderSettings, zone: string, now: Date) => {
      const last = latestSlot(settings, zone, now)!;
      return last.getTime() - latestSlot(settings, zone, new Date(last.getTime() - 1))!.getTime();
    };
    const week = 7 * 86_400_000;
    for (const zone of ["UTC", "Europe/Berlin", "Pacific/Auckland"]) {
      // ± one hour where daylight saving time changed in between.
      expect(Math.abs(gapOf({ ...weekly, rhythm: "every2weeks" }, zone, at("2027-05-01T00:00:00Z")) - 2 * week)).toBeLessThanOrEqual(3_600_000);
      expect(Math.abs(gapOf({ ...weekly, rhythm: "every3weeks" }, zone, at("2027-05-01T00:00:00Z")) - 3 * week)).toBeLessThanOrEqual(3_600_000);
    }
    // The same weeks in every zone: the local dates of the slots agree.
    const localDay = (zone: string) => localParts(latestSlot({ ...weekly, rhythm: "every3weeks" }, zone, at("2027-05-01T00:00:00Z"))!, zone).day;
    expect(localDay("Europe/Berlin")).toBe(localDay("America/New_York"));
    const monthly: ReminderSettings = { ...weekly, rhythm: "monthly", weekday: 2, time: "14:30" };
    expect(latestSlot(monthly, "UTC", at("2027-02-20T00:00:00Z"))?.toISOString()).toBe("2027-02-02T14:30:00.000Z");
    expect(latestSlot(monthly, "UTC", at("2027-02-01T00:00:00Z"))?.toISOString()).toBe("2027-01-05T14:30:00.000Z");
    expect(latestSlot({ ...weekly, rhythm: "off" }, "UTC", at("2027-02-20T00:00:00Z"))).toBeNull();
  });

  it("accepts IANA zones only", () => {
    expect(validTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(validTimeZone("Mars/Olympus")).toBeUndefined();
    expect(validTimeZone(undefined)).toBeUndefined();
  });
});

describe("debounced batches", () => {
  afterEach(() => vi.useRealTimers());

  it("flushes items of one key together once the window passes without new items, keys apart", async () => {
    vi.useFakeTimers();
    const flushed: Array<[string, number[]]> = [];
    const batches = new DebouncedBatches<number>({ windowMs: 2_000, flush: async (key, items) => void flushed.push([key, items]) });
    batches.add("a", 1);
    await vi.advanceTimersByTimeAsync(1_500);
    batches.add("a", 2);
    batches.add("b", 3);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(flushed).toEqual([]);
    await vi.advanceTimersByTimeAsync(600);
    expect(flushed).toEqual([
      ["a", [1, 2]],
      ["b", [3]],
    ]);
    await batches.idle();
    expect(batches.size).toBe(0);
  });

  it("does not wait longer than maxWaitMs for a steady stream", async () => {
    vi.useFakeTimers();
    const flushed: number[][] = [];
    const batches = new DebouncedBatches<number>({ windowMs: 1_000, maxWaitMs: 3_000, flush: async (_key, items) => void flushed.push(items) });
    for (let i = 0; i < 10; i += 1) {
      batches.add("a", i);
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(flushed[0]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batches.discard()).toBe(4);
  });
});
