import { describe, expect, it } from "vitest";
import type { InventoryItem } from "../inventory/types.ts";
import { variantKey, type VariantAttributes } from "../variants/variant-key.ts";
import { previewStockImport as preview, type PreviewStockImportOptions } from "./preview-stock-import.ts";
import type { ParsedStockRow } from "./stock-file-format.ts";
import { testInventoryItem } from "./test-inventory-item.ts";

const item = (sku: string, attributes: VariantAttributes, fields: Partial<InventoryItem> = {}) =>
  testInventoryItem(sku, attributes, fields, 10);

function row(
  line: number,
  sku: string,
  attributes: VariantAttributes,
  fields: Partial<ParsedStockRow> = {},
): ParsedStockRow {
  return {
    line,
    sku,
    productId: "p",
    variantAttributes: attributes,
    variantKey: variantKey(attributes),
    location: "main",
    quantity: 10,
    lowStockThreshold: null,
    ...fields,
  };
}

/** The preview of a one-location shop unless `levels` are given: every item's stock is at main. */
function previewStockImport(options: Omit<PreviewStockImportOptions, "levels"> & Partial<PreviewStockImportOptions>) {
  const levels = options.existing.map((entry) => ({ ...entry, location: "main" }));
  return preview({ levels, ...options });
}

describe("previewStockImport", () => {
  it("classifies each row as create, update or unchanged, in file order", () => {
    const existing = [
      item("A", { size: "M" }),
      item("B", {}, { quantity: 4, lowStockThreshold: 2 }),
      item("C", {}, { productId: "old" }),
      item("UNLISTED", {}),
    ];
    const preview = previewStockImport({
      existing,
      rows: [
        row(2, "A", { size: "M" }),
        row(3, "B", {}, { quantity: 5, lowStockThreshold: 2 }),
        row(4, "NEW", { size: "S" }, { quantity: 1, lowStockThreshold: 0 }),
        row(5, "C", {}),
      ],
    });
    expect(preview).toMatchObject({ created: 1, updated: 2, unchanged: 1, conflicts: [] });
    expect(preview.changes).toEqual([
      {
        line: 2,
        sku: "A",
        variantKey: "size=m",
        location: "main",
        action: "unchanged",
        before: {
          productId: "p",
          productTitle: "",
          variantTitle: "",
          quantity: 10,
          lowStockThreshold: null,
          purchaseLimit: null,
          variantAttributes: { size: "M" },
        },
        after: {
          productId: "p",
          productTitle: "",
          variantTitle: "",
          quantity: 10,
          lowStockThreshold: null,
          purchaseLimit: null,
          variantAttributes: { size: "M" },
        },
      },
      {
        line: 3,
        sku: "B",
        variantKey: "",
        location: "main",
        action: "update",
        before: {
          productId: "p",
          productTitle: "",
          variantTitle: "",
          quantity: 4,
          lowStockThreshold: 2,
          purchaseLimit: null,
          variantAttributes: {},
        },
        after: {
          productId: "p",
          productTitle: "",
          variantTitle: "",
          quantity: 5,
          lowStockThreshold: 2,
          purchaseLimit: null,
          variantAttributes: {},
        },
      },
      {
        line: 4,
        sku: "NEW",
        variantKey: "size=s",
        location: "main",
        action: "create",
        after: {
          productId: "p",
          productTitle: "",
          variantTitle: "",
          quantity: 1,
          lowStockThreshold: 0,
          purchaseLimit: null,
          variantAttributes: { size: "S" },
        },
      },
      expect.objectContaining({
        line: 5,
        action: "update",
        before: expect.objectContaining({ productId: "old" }) as unknown,
      }),
    ]);
    // An import never deletes: the unlisted item is neither in the inputs nor in the changes.
    expect(preview.inputs.map((input) => input.sku)).toEqual(["A", "B", "NEW", "C"]);
  });

  it("keeps the current titles when the file has no title column, sets them when it has, clears them on an empty cell", () => {
    const existing = [
      item("A", {}, { productTitle: "Tote", variantTitle: "Natural" }),
      item("B", {}, { productTitle: "Tote" }),
      item("C", {}, { productTitle: "Tote", variantTitle: "Natural" }),
    ];
    const preview = previewStockImport({
      existing,
      rows: [
        row(2, "A", {}),
        row(3, "B", {}, { productTitle: "Canvas tote", variantTitle: "Natural" }),
        row(4, "C", {}, { productTitle: "", variantTitle: "" }),
      ],
    });
    expect(
      preview.changes.map((change) => [change.action, change.after.productTitle, change.after.variantTitle]),
    ).toEqual([
      ["unchanged", "Tote", "Natural"],
      ["update", "Canvas tote", "Natural"],
      ["update", "", ""],
    ]);
    expect(preview.inputs[0]).not.toHaveProperty("productTitle");
    expect(preview.inputs[1]).toMatchObject({ productTitle: "Canvas tote", variantTitle: "Natural" });
    expect(preview.inputs[2]).toMatchObject({ productTitle: "", variantTitle: "" });
  });

  it("keeps the current threshold when the file has none, and clears it on an explicit null", () => {
    const existing = [item("A", {}, { lowStockThreshold: 3 }), item("B", {}, { lowStockThreshold: 3 })];
    const preview = previewStockImport({
      existing,
      rows: [row(2, "A", {}, { lowStockThreshold: undefined }), row(3, "B", {}, { lowStockThreshold: null })],
    });
    expect(preview.changes.map((change) => [change.action, change.after.lowStockThreshold])).toEqual([
      ["unchanged", 3],
      ["update", null],
    ]);
    expect(preview.inputs[0]).not.toHaveProperty("lowStockThreshold");
    expect(preview.inputs[1]).toHaveProperty("lowStockThreshold", null);
    expect(
      previewStockImport({ existing: [], rows: [row(2, "C", {}, { lowStockThreshold: undefined })] }).changes[0]?.after
        .lowStockThreshold,
    ).toBeNull();
  });

  it("keeps the current purchase limit when the file has none, sets it, and clears it on an explicit null", () => {
    const existing = [
      item("A", {}, { purchaseLimit: 2 }),
      item("B", {}, { purchaseLimit: 2 }),
      item("C", {}, { purchaseLimit: 2 }),
      item("D", {}),
    ];
    const preview = previewStockImport({
      existing,
      rows: [
        row(2, "A", {}, { purchaseLimit: undefined }),
        row(3, "B", {}, { purchaseLimit: null }),
        row(4, "C", {}, { purchaseLimit: 2 }),
        row(5, "D", {}, { purchaseLimit: 1 }),
      ],
    });
    // Only the limit differs: that alone is an update, shown before and after.
    expect(
      preview.changes.map((change) => [change.action, change.before?.purchaseLimit, change.after.purchaseLimit]),
    ).toEqual([
      ["unchanged", 2, 2],
      ["update", 2, null],
      ["unchanged", 2, 2],
      ["update", null, 1],
    ]);
    expect(preview.inputs[0]).not.toHaveProperty("purchaseLimit");
    expect(preview.inputs[1]).toHaveProperty("purchaseLimit", null);
    expect(preview.inputs[3]).toHaveProperty("purchaseLimit", 1);
    expect(
      previewStockImport({ existing: [], rows: [row(2, "E", {}, { purchaseLimit: undefined })] }).changes[0]?.after
        .purchaseLimit,
    ).toBeNull();
  });

  it("ignores attribute key order but not a change of spelling, and sends the stored object when only order differs", () => {
    const stored = { size: "M", color: "Red" };
    const existing = [item("A", stored), item("B", { size: "M" })];
    const preview = previewStockImport({
      existing,
      rows: [row(2, "A", { color: "Red", size: "M" }), row(3, "B", { Size: "m" })],
    });
    expect(preview.changes.map((change) => change.action)).toEqual(["unchanged", "update"]);
    expect(preview.inputs[0]?.variantAttributes).toBe(stored);
    expect(preview.inputs[1]?.variantAttributes).toEqual({ Size: "m" });
  });

  it("flags rows that would set quantity below the units held by checkouts", () => {
    const existing = [item("A", {}, { quantity: 10, reserved: 4 }), item("B", {}, { quantity: 10, reserved: 4 })];
    const preview = previewStockImport({
      existing,
      rows: [row(2, "A", {}, { quantity: 4 }), row(3, "B", {}, { quantity: 3 })],
    });
    expect(preview.conflicts).toEqual([
      { line: 3, field: "quantity", message: "3 is below the 4 units held by active checkouts at main" },
    ]);
  });

  describe("at several locations", () => {
    const existing = [item("TEE", {}, { quantity: 9, reserved: 3, lowStockThreshold: 2 })];
    const levels = [
      { sku: "TEE", variantKey: "", location: "main", quantity: 5, reserved: 3 },
      { sku: "TEE", variantKey: "", location: "soho", quantity: 4, reserved: 0 },
    ];

    it("compares each row with the quantity at its own location, before and after", () => {
      const result = preview({
        existing,
        levels,
        rows: [
          row(2, "TEE", {}, { location: "main", quantity: 5, lowStockThreshold: 2 }),
          row(3, "TEE", {}, { location: "soho", quantity: 6, lowStockThreshold: 2 }),
          row(4, "TEE", {}, { location: "dock", quantity: 1, lowStockThreshold: 2 }),
        ],
      });
      expect(result).toMatchObject({ created: 0, updated: 2, unchanged: 1, conflicts: [] });
      expect(
        result.changes.map((change) => [
          change.line,
          change.location,
          change.action,
          change.before?.quantity,
          change.after.quantity,
        ]),
      ).toEqual([
        [2, "main", "unchanged", 5, 5],
        [3, "soho", "update", 4, 6],
        // No level at dock yet: nothing there before.
        [4, "dock", "update", 0, 1],
      ]);
      expect(result.inputs.map((input) => [input.location, input.quantity])).toEqual([
        ["main", 5],
        ["soho", 6],
        ["dock", 1],
      ]);
    });

    it("changes every row of a variant when a field of the variant itself changes", () => {
      const result = preview({
        existing,
        levels,
        rows: [
          row(2, "TEE", {}, { location: "main", quantity: 5, lowStockThreshold: 4 }),
          row(3, "TEE", {}, { location: "soho", quantity: 4, lowStockThreshold: 4 }),
        ],
      });
      expect(result.changes.map((change) => [change.action, change.after.lowStockThreshold])).toEqual([
        ["update", 4],
        ["update", 4],
      ]);
    });

    it("creates a new variant with its first row; its rows at other locations add stock from nothing, as the store counts", () => {
      const result = preview({
        existing: [],
        levels: [],
        rows: [
          row(2, "NEW", {}, { location: "soho", quantity: 2, productTitle: "New" }),
          row(3, "NEW", {}, { location: "main", quantity: 7 }),
        ],
      });
      expect(result).toMatchObject({ created: 1, updated: 1, unchanged: 0 });
      expect(result.changes).toEqual([
        expect.objectContaining({
          line: 2,
          location: "soho",
          action: "create",
          after: expect.objectContaining({ quantity: 2, productTitle: "New" }) as unknown,
        }),
        expect.objectContaining({
          line: 3,
          location: "main",
          action: "update",
          before: expect.objectContaining({ quantity: 0, productTitle: "New" }) as unknown,
          after: expect.objectContaining({ quantity: 7, productTitle: "New" }) as unknown,
        }),
      ]);
    });

    it("flags a row below the units held at its own location, not at the variant's others", () => {
      const result = preview({
        existing,
        levels,
        rows: [
          row(2, "TEE", {}, { location: "main", quantity: 2 }),
          row(3, "TEE", {}, { location: "soho", quantity: 0 }),
        ],
      });
      expect(result.conflicts).toEqual([
        { line: 2, field: "quantity", message: "2 is below the 3 units held by active checkouts at main" },
      ]);
    });
  });
});
