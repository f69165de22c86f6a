import { describe, expect, it } from "vitest";
import { createHoldResultSchema, parseHoldResult, settleResultSchema } from "./hold-results.ts";

describe("hold function results", () => {
  it("parses each create outcome, turning timestamps into dates", () => {
    expect(
      parseHoldResult(
        createHoldResultSchema,
        { outcome: "created", holdId: "hold_1", expiresAt: "2026-12-01T13:00:00.5+00:00", status: "active" },
        "x",
      ),
    ).toEqual({
      outcome: "created",
      holdId: "hold_1",
      expiresAt: new Date("2026-12-01T13:00:00.500Z"),
      openExpiresAt: null,
      status: "active",
    });
    expect(
      parseHoldResult(
        createHoldResultSchema,
        {
          outcome: "created",
          holdId: "hold_1",
          expiresAt: "2026-12-01T13:00:00+00:00",
          openExpiresAt: "2026-12-01T13:31:00+00:00",
          status: "active",
        },
        "x",
      ),
    ).toMatchObject({ expiresAt: new Date("2026-12-01T13:00:00Z"), openExpiresAt: new Date("2026-12-01T13:31:00Z") });
    expect(
      parseHoldResult(
        createHoldResultSchema,
        { outcome: "capped", cap: "holds", limit: 3, client: "address", retryAfterSeconds: null },
        "x",
      ),
    ).toEqual({ outcome: "capped", cap: "holds", limit: 3, client: "address", retryAfterSeconds: null });
    expect(
      parseHoldResult(
        createHoldResultSchema,
        { outcome: "limited", lines: [{ sku: "A", variantKey: "", requested: 3, limit: 2, alreadyHeld: 0 }] },
        "x",
      ),
    ).toMatchObject({ outcome: "limited" });
    expect(
      parseHoldResult(
        createHoldResultSchema,
        {
          outcome: "insufficient",
          insufficient: [{ sku: "A", variantKey: "", requested: 2, available: 1 }],
          hasExpiredHolds: false,
        },
        "x",
      ),
    ).toMatchObject({ outcome: "insufficient", hasExpiredHolds: false });
    expect(parseHoldResult(createHoldResultSchema, { outcome: "undecided" }, "x")).toEqual({ outcome: "undecided" });
  });

  it("refuses an answer of another shape as internal, naming what did not fit", () => {
    const error = (() => {
      try {
        parseHoldResult(
          createHoldResultSchema,
          { outcome: "created", holdId: 7, expiresAt: "soon", status: "active" },
          "a hold request",
        );
      } catch (caught) {
        return caught as { code: string; message: string; details: { issues: string[] } };
      }
    })();
    expect(error?.code).toBe("internal");
    expect(error?.message).toBe("The database answered a hold request in an unexpected shape.");
    expect(error?.details.issues).toEqual([
      "holdId: Invalid input: expected string, received number",
      "expiresAt: is not a timestamp",
    ]);
    expect(() => parseHoldResult(settleResultSchema, { outcome: "teleported" }, "a settlement")).toThrow(
      /unexpected shape/,
    );
  });
});
