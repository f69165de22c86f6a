import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { InventoryItem } from "../inventory/types.ts";
import { variantKey, type VariantAttributes } from "../variants/variant-key.ts";
import { parseStockFile } from "./parse-stock-file.ts";
import { previewStockImport } from "./preview-stock-import.ts";
import { serialiseStockFile } from "./serialise-stock-file.ts";
import type { StockFileFormat, StockFileItem } from "./stock-file-format.ts";
import { testInventoryItem } from "./test-inventory-item.ts";

const exportedAt = new Date("2025-01-31T09:30:00.123Z");

const item = (sku: string, attributes: VariantAttributes, fields: Partial<InventoryItem> = {}) =>
  testInventoryItem(sku, attributes, fields);

// Items as a store returns them: sorted by sku then variant key, names and values cleaned.
const tricky: InventoryItem[] = [
  item("=SUM(A1:A2)", {}, { productId: "+cmd|' /C calc'!A0", quantity: 0 }),
  item("@risk", { size: "-1" }, { quantity: 5, reserved: 2 }),
  item("MUG", {}, { quantity: 1_000_000_000, lowStockThreshold: 0, purchaseLimit: 1_000_000_000 }),
  item("TEE", { Size: "L", color: "Blue" }, { quantity: 7 }),
  item(
    "TEE",
    { color: "Red", Size: "M" },
    {
      productId: 'tee, "classic"',
      productTitle: 'Tee, "classic"',
      variantTitle: "Red / M",
      quantity: 12,
      lowStockThreshold: 3,
      purchaseLimit: 2,
    },
  ),
  item("TEE-ß", { size: "XL", "fit type": "Ünïcödé 👕" }, { quantity: 2 }),
  item("x,y", { note: 'a "quoted" value, with comma' }, { quantity: 3, lowStockThreshold: 1_000_000_000 }),
];

/** Rows of a one-location shop: every variant at main. */
const atMain = (items: InventoryItem[]): StockFileItem[] => items.map((entry) => ({ ...entry, location: "main" }));
/** The stock levels of rows, as a location store reports them. */
const levelsOf = (rows: StockFileItem[]) =>
  rows.map((entry) => ({
    sku: entry.sku,
    variantKey: variantKey(entry.variantAttributes),
    location: entry.location,
    quantity: entry.quantity,
    reserved: 0,
  }));

describe("serialiseStockFile", () => {
  it("writes CSV with a BOM, the fixed columns, then one sorted column per attribute name", () => {
    const content = serialiseStockFile({ shopId: "shop", items: atMain(tricky), format: "csv", exportedAt });
    expect(
      content.startsWith(
        "\uFEFFsku,productId,productTitle,variantTitle,location,quantity,lowStockThreshold,purchaseLimit,variant.Size,variant.color,variant.fit type,variant.note,variant.size\n",
      ),
    ).toBe(true);
    const records = parse(content, { bom: true });
    expect(records[1]).toEqual(["=SUM(A1:A2)", "+cmd|' /C calc'!A0", "", "", "main", "0", "", "", "", "", "", "", ""]);
    expect(records[2]).toEqual(["@risk", "p", "", "", "main", "5", "", "", "", "", "", "", "-1"]);
    expect(records[3]).toEqual(["MUG", "p", "", "", "main", "1000000000", "0", "1000000000", "", "", "", "", ""]);
    expect(records[5]).toEqual([
      "TEE",
      'tee, "classic"',
      'Tee, "classic"',
      "Red / M",
      "main",
      "12",
      "3",
      "2",
      "M",
      "Red",
      "",
      "",
      "",
    ]);
    expect(records).toHaveLength(tricky.length + 1);
  });

  it("writes values that look like spreadsheet formulas unaltered (see the function's comment)", () => {
    const content = serialiseStockFile({
      shopId: "shop",
      items: atMain(tricky.slice(0, 1)),
      format: "csv",
      exportedAt,
    });
    expect(content).toContain("\n=SUM(A1:A2),+cmd|' /C calc'!A0,,,main,0,,\n");
  });

  it("writes a header alone for a shop without items", () => {
    expect(serialiseStockFile({ shopId: "shop", items: [], format: "csv", exportedAt })).toBe(
      "\uFEFFsku,productId,productTitle,variantTitle,location,quantity,lowStockThreshold,purchaseLimit\n",
    );
  });

  it("writes JSON with shop, export time and only the importable fields", () => {
    const content = serialiseStockFile({
      shopId: "shop",
      items: atMain(tricky.slice(1, 2)),
      format: "json",
      exportedAt,
    });
    expect(JSON.parse(content)).toEqual({
      shopId: "shop",
      exportedAt: "2025-01-31T09:30:00.123Z",
      items: [
        {
          sku: "@risk",
          productId: "p",
          productTitle: "",
          variantTitle: "",
          variantAttributes: { size: "-1" },
          location: "main",
          quantity: 5,
          lowStockThreshold: null,
          purchaseLimit: null,
        },
      ],
    });
  });

  it.each<StockFileFormat>(["csv", "json"])(
    "round-trips through parseStockFile (%s): re-importing changes nothing",
    (format) => {
      const content = serialiseStockFile({ shopId: "shop", items: atMain(tricky), format, exportedAt });
      const { rows } = parseStockFile({ content, format });
      expect(rows.map((row) => [row.sku, row.variantKey])).toEqual(
        tricky.map((entry) => [entry.sku, entry.variantKey]),
      );
      for (const [index, parsed] of rows.entries()) {
        const original = tricky[index]!;
        expect(parsed).toMatchObject({
          productId: original.productId,
          productTitle: original.productTitle,
          variantTitle: original.variantTitle,
          quantity: original.quantity,
          lowStockThreshold: original.lowStockThreshold,
          purchaseLimit: original.purchaseLimit,
          variantAttributes: original.variantAttributes,
          location: "main",
        });
      }
      const preview = previewStockImport({ rows, existing: tricky, levels: levelsOf(atMain(tricky)) });
      expect(preview).toMatchObject({ created: 0, updated: 0, unchanged: tricky.length, conflicts: [] });
      // What would be sent to the store equals what it holds, key order included.
      expect(preview.inputs.map((input) => JSON.stringify(input.variantAttributes))).toEqual(
        tricky.map((entry) => JSON.stringify(entry.variantAttributes)),
      );
    },
  );

  it("round-trips attribute names that differ only in case on different items", () => {
    const items = [item("A", { Size: "M" }), item("B", { size: "L" })];
    const content = serialiseStockFile({ shopId: "shop", items: atMain(items), format: "csv", exportedAt });
    const { rows } = parseStockFile({ content, format: "csv" });
    expect(rows.map((row) => row.variantAttributes)).toEqual([{ Size: "M" }, { size: "L" }]);
    expect(previewStockImport({ rows, existing: items, levels: levelsOf(atMain(items)) }).unchanged).toBe(2);
  });

  it.each<StockFileFormat>(["csv", "json"])(
    "writes a variant once per location, each row repeating the variant's fields, and round-trips it (%s)",
    (format) => {
      const tee = item(
        "TEE",
        { size: "M" },
        { quantity: 9, lowStockThreshold: 2, purchaseLimit: 3, productTitle: "Tee" },
      );
      const mug = item("MUG", {}, { quantity: 4 });
      const rows: StockFileItem[] = [
        { ...mug, location: "main", quantity: 4 },
        { ...tee, location: "main", quantity: 5 },
        { ...tee, location: "soho-store", quantity: 4 },
        { ...tee, location: "spare", quantity: 0 },
      ];
      const content = serialiseStockFile({ shopId: "shop", items: rows, format, exportedAt });
      if (format === "csv")
        expect(content.split("\n").slice(1, 5)).toEqual([
          "MUG,p,,,main,4,,,",
          "TEE,p,Tee,,main,5,2,3,M",
          "TEE,p,Tee,,soho-store,4,2,3,M",
          "TEE,p,Tee,,spare,0,2,3,M",
        ]);
      const parsed = parseStockFile({ content, format }).rows;
      expect(parsed.map((row) => [row.sku, row.variantKey, row.location, row.quantity])).toEqual([
        ["MUG", "", "main", 4],
        ["TEE", "size=m", "main", 5],
        ["TEE", "size=m", "soho-store", 4],
        ["TEE", "size=m", "spare", 0],
      ]);
      const preview = previewStockImport({ rows: parsed, existing: [mug, tee], levels: levelsOf(rows) });
      expect(preview).toMatchObject({ created: 0, updated: 0, unchanged: 4, conflicts: [] });
      expect(preview.inputs.map((input) => input.location)).toEqual(["main", "main", "soho-store", "spare"]);
    },
  );
});
