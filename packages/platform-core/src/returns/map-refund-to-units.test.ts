import { describe, expect, it } from "vitest";
import { decodeUnitAmounts, encodeUnitAmounts } from "./checkout-prices.ts";
import { formatMinorAmount } from "./format-minor-amount.ts";
import { mapRefundToUnits, matchAmount } from "./map-refund-to-units.ts";
import type { PaidCheckoutView, StockReturnView } from "./types.ts";

const checkout = (lines: Array<[string, string, number, number | null]>, amountTotal?: number): PaidCheckoutView => ({
  sessionId: "cs_1",
  shopId: "s",
  holdId: "h",
  paymentIntentId: "pi_1",
  currency: "usd",
  amountTotal: amountTotal ?? lines.reduce((sum, [, , quantity, unit]) => sum + quantity * (unit ?? 0), 0),
  lines: lines.map(([sku, location, quantity, unitAmount]) => ({
    sku,
    variantKey: "",
    location,
    quantity,
    unitAmount,
  })),
  createdAt: new Date(0),
});
const refund = (amount: number, metadata: Record<string, string> = {}) => ({
  refundId: "re_new",
  paymentIntentId: "pi_1",
  amount,
  currency: "usd",
  metadata,
});
const earlier = (partial: Partial<StockReturnView>): StockReturnView => ({
  refundId: "re_old",
  shopId: "s",
  sessionId: "cs_1",
  paymentIntentId: "pi_1",
  amount: 0,
  currency: "usd",
  status: "restocked",
  mapping: "amount",
  lines: [],
  restocked: [],
  note: null,
  decidedBy: null,
  decidedAt: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...partial,
});

describe("matchAmount", () => {
  it("counts the combinations of whole units: none, exactly one (with it), or several", () => {
    const units = [
      { unitAmount: 1000, unreturned: 2 },
      { unitAmount: 2500, unreturned: 1 },
    ];
    expect(matchAmount(units, 3500)).toEqual({ count: 1, counts: [1, 1] });
    expect(matchAmount(units, 700)).toEqual({ count: 0 });
    expect(matchAmount([...units, { unitAmount: 2000, unreturned: 1 }], 2000)).toEqual({ count: 2 });
    // A free unit makes any match ambiguous (with it or without it).
    expect(matchAmount([...units, { unitAmount: 0, unreturned: 1 }], 2500)).toEqual({ count: 2 });
  });
});

describe("mapRefundToUnits", () => {
  const sold = checkout([
    ["A", "north", 1, 1000],
    ["A", "main", 1, 1000],
    ["B", "main", 1, 2500],
  ]);

  it("takes a variant's units from its locations in the checkout's order, and never more than are unreturned", () => {
    const decision = mapRefundToUnits({ checkout: sold, others: [], refund: refund(2000), policy: "restock" });
    expect(decision).toMatchObject({ status: "restocked", mapping: "amount" });
    expect(decision.lines.map((line) => [line.sku, line.location, line.quantity])).toEqual([
      ["A", "north", 1],
      ["A", "main", 1],
    ]);
    const afterA = mapRefundToUnits({
      checkout: sold,
      others: [earlier({ amount: 2000, lines: decision.lines })],
      refund: refund(2500),
      policy: "restock",
    });
    expect(afterA).toMatchObject({ mapping: "full", lines: [{ sku: "B", quantity: 1 }] });
  });

  it("does not guess when the unit amounts do not add up to what was paid, or are not known", () => {
    const discounted = checkout([["A", "main", 2, 1000]], 1500);
    expect(
      mapRefundToUnits({ checkout: discounted, others: [], refund: refund(1000), policy: "restock" }),
    ).toMatchObject({
      status: "pending",
      mapping: "ambiguous",
    });
    const unpriced = checkout([["A", "main", 2, null]], 2000);
    expect(
      mapRefundToUnits({ checkout: unpriced, others: [], refund: refund(1000), policy: "no_restock" }),
    ).toMatchObject({
      status: "not_restocked",
      mapping: "ambiguous",
      note: "the checkout's unit amounts are not known",
    });
  });

  it("reads units named in the metadata, and sets aside metadata it cannot read", () => {
    const named = mapRefundToUnits({
      checkout: sold,
      others: [],
      refund: refund(1, { acme_restock: '[["B","",1]]' }),
      policy: "ask",
    });
    expect(named).toMatchObject({ status: "pending", mapping: "metadata", lines: [{ sku: "B", quantity: 1 }] });
    const unreadable = mapRefundToUnits({
      checkout: sold,
      others: [],
      refund: refund(2500, { acme_restock: "B x1" }),
      policy: "restock",
    });
    expect(unreadable).toMatchObject({ mapping: "amount", lines: [{ sku: "B" }] });
    expect(unreadable.note).toMatch(/acme_restock is not JSON/);
  });
});

describe("unit amounts in the session metadata", () => {
  it("round-trip, skip a variant priced twice differently, and give up when the keys left are too few", () => {
    const encoded = encodeUnitAmounts(
      [
        { sku: "A", variantKey: "size=m", unitAmount: 1000 },
        { sku: "B", variantKey: "", unitAmount: 2500 },
        { sku: "B", variantKey: "", unitAmount: 2000 },
      ],
      { shop_id: "s" },
    );
    expect(Object.keys(encoded!)).toEqual(["inventory_prices_0"]);
    expect([...decodeUnitAmounts(encoded)!]).toEqual([["A\u0000size=m", 1000]]);
    const big = Array.from({ length: 2000 }, (_, i) => ({ sku: `SKU-${i}`, variantKey: "", unitAmount: 100 }));
    expect(encodeUnitAmounts(big, { shop_id: "s" })).toBeUndefined();
    expect(decodeUnitAmounts({ inventory_prices_0: "not base64 json" })).toBeUndefined();
  });
});

describe("amounts in notes", () => {
  it("reads a minor-unit amount in its currency's decimals", () => {
    expect(formatMinorAmount(1234, "usd")).toBe("12.34 USD");
    expect(formatMinorAmount(500, "jpy")).toBe("500 JPY");
    expect(formatMinorAmount(1234, "kwd")).toBe("1.234 KWD");
  });
});
