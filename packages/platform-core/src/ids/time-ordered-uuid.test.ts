import { describe, expect, it } from "vitest";
import { timeOrderedUuid } from "./time-ordered-uuid.ts";

describe("timeOrderedUuid", () => {
  it("is a version 7, variant 1 UUID carrying the time", () => {
    const id = timeOrderedUuid(Date.UTC(2026, 10, 24, 12, 0, 0));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(Date.UTC(2026, 10, 24, 12, 0, 0));
  });

  it("sorts later ids after earlier ones and never repeats", () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => timeOrderedUuid(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const sameMillisecond = Array.from({ length: 5_000 }, () => timeOrderedUuid(1_700_000_000_000));
    expect(new Set(sameMillisecond).size).toBe(sameMillisecond.length);
  });
});
