import { describe, expect, it } from "vitest";
import { canonicalJson, nextSlot, slotOffset, sourceKey } from "../../../core/integrations/schedule.js";
import { Semaphore } from "../../../sync/engine/semaphore.js";

describe("link schedule", () => {
  const hour = 60 * 60_000;

  it("spreads links evenly across the interval", () => {
    const buckets = new Array(6).fill(0);
    for (let i = 0; i < 6000; i += 1) buckets[Math.floor(slotOffset(`link-${i}`, hour) / (hour / 6))] += 1;
    for (const count of buckets) expect(count).toBeGreaterThan(850), expect(count).toBeLessThan(1150);
  });

  it("gives the next slot strictly after now, one interval apart", () => {
    const now = new Date("2027-01-01T10:00:00Z");
    const a = nextSlot("x", hour, now);
    expect(a.getTime()).toBeGreaterThan(now.getTime());
    expect(a.getTime() - now.getTime()).toBeLessThanOrEqual(hour);
    expect(nextSlot("x", hour, a).getTime() - a.getTime()).toBe(hour);
    expect((a.getTime() - slotOffset("x", hour)) % hour).toBe(0);
  });

  it("keys sources independently of key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(sourceKey("c1", { path: "/a", valuePath: "n" })).toBe(sourceKey("c1", { valuePath: "n", path: "/a" }));
    expect(sourceKey("c1", { path: "/a" })).not.toBe(sourceKey("c2", { path: "/a" }));
  });
});

describe("Semaphore", () => {
  it("never runs more than its limit at once", async () => {
    const s = new Semaphore(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        s.use(async () => {
          active += 1;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 2));
          active -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});
