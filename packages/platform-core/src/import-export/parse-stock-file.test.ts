import { describe, expect, it } from "vitest";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import { variantKey } from "../variants/variant-key.ts";
import { parseStockFile } from "./parse-stock-file.ts";
import { STOCK_FILE_MAX_BYTES, STOCK_FILE_MAX_ROWS } from "./stock-file-format.ts";

function failure(run: () => unknown): InventoryError {
  try {
    run();
  } catch (error) {
    if (error instanceof InventoryError) return error;
    throw error;
  }
  throw new Error("expected an InventoryError");
}

function csvErrors(content: string | Uint8Array): FieldError[] {
  const error = failure(() => parseStockFile({ content, format: "csv" }));
  expect(error.code).toBe("validation_failed");
  return error.details.errors as FieldError[];
}

function jsonErrors(content: string | Uint8Array): FieldError[] {
  const error = failure(() => parseStockFile({ content, format: "json" }));
  expect(error.code).toBe("validation_failed");
  return error.details.errors as FieldError[];
}

const csv = (...lines: string[]) => lines.join("\n");
const HEADER = "sku,productId,quantity,lowStockThreshold,variant.size,variant.color";

describe("parseStockFile: CSV", () => {
  it("reads rows with their line, typed numbers and variant attributes", () => {
    const { rows } = parseStockFile({
      format: "csv",
      content: csv(HEADER, "TEE-1,tee, 12 ,3,M,Red", "TEE-1,tee,0,,L,", "MUG,mug,007,,,", ""),
    });
    expect(rows).toEqual([
      {
        line: 2,
        sku: "TEE-1",
        productId: "tee",
        variantAttributes: { size: "M", color: "Red" },
        variantKey: "color=red|size=m",
        location: "main",
        quantity: 12,
        lowStockThreshold: 3,
      },
      {
        line: 3,
        sku: "TEE-1",
        productId: "tee",
        variantAttributes: { size: "L" },
        variantKey: "size=l",
        location: "main",
        quantity: 0,
        lowStockThreshold: null,
      },
      {
        line: 4,
        sku: "MUG",
        productId: "mug",
        variantAttributes: {},
        variantKey: "",
        location: "main",
        quantity: 7,
        lowStockThreshold: null,
      },
    ]);
  });

  it("matches header names case-insensitively and trimmed, keeping attribute names as written", () => {
    const { rows } = parseStockFile({
      format: "csv",
      content: csv(" SKU ,ProductID,QUANTITY,  lowstockthreshold , Variant.Size ", "A,p,1,,M"),
    });
    expect(rows[0]).toMatchObject({ sku: "A", quantity: 1, variantAttributes: { Size: "M" }, variantKey: "size=m" });
  });

  it("gives the same variant key whatever the attribute column order and case", () => {
    const first = parseStockFile({
      format: "csv",
      content: csv("sku,productId,quantity,variant.size,variant.color", "A,p,1,M,Red"),
    });
    const second = parseStockFile({
      format: "csv",
      content: csv("sku,productId,quantity,variant.Color,variant.SIZE", "A,p,1, red ,m"),
    });
    expect(first.rows[0]?.variantKey).toBe(second.rows[0]?.variantKey);
    expect(first.rows[0]?.variantKey).toBe(variantKey({ size: "M", color: "Red" }));
  });

  it("reads product and variant titles (trimmed, spaces folded); no title column means 'keep the current title'", () => {
    const { rows } = parseStockFile({
      format: "csv",
      content: csv("sku,productId,productTitle,variantTitle,quantity", 'A,p,"  Linen   tee ",Coral / M,1', "B,p,,,2"),
    });
    expect(rows[0]).toMatchObject({ productTitle: "Linen tee", variantTitle: "Coral / M" });
    expect(rows[1]).toMatchObject({ productTitle: "", variantTitle: "" });
    const untitled = parseStockFile({ format: "csv", content: csv("sku,productId,quantity", "A,p,5") });
    expect(untitled.rows[0]?.productTitle).toBeUndefined();
    expect(untitled.rows[0]?.variantTitle).toBeUndefined();
    const json = parseStockFile({
      format: "json",
      content: JSON.stringify([{ sku: "A", productId: "p", productTitle: "Tote", quantity: 1 }]),
    });
    expect(json.rows[0]).toMatchObject({ productTitle: "Tote", variantTitle: undefined });
  });

  it("refuses a title that is too long, holds control characters or is not text, naming the row's sku", () => {
    const error = failure(() =>
      parseStockFile({
        format: "csv",
        content: csv(
          "sku,productId,productTitle,variantTitle,quantity",
          `A,p,${"x".repeat(201)},ok,1`,
          "B,p,ok,\u0007bell,1",
        ),
      }),
    );
    const bell = failure(() =>
      parseStockFile({
        format: "json",
        content: JSON.stringify([
          { sku: "C", productId: "p", variantTitle: "\u0007", quantity: 1 },
          { sku: "D", productId: "p", productTitle: 7, quantity: 1 },
        ]),
      }),
    );
    expect(error.details.errors).toEqual([
      { line: 2, field: "productTitle", message: "must be at most 200 characters" },
      { line: 3, field: "variantTitle", message: "must not contain control characters or malformed Unicode" },
    ]);
    expect(error.details.context).toEqual([
      { sku: "A", value: `${"x".repeat(79)}…` },
      { sku: "B", value: "\u0007bell" },
    ]);
    expect(bell.details.errors).toEqual([
      { line: 1, field: "items.0.variantTitle", message: "must not contain control characters or malformed Unicode" },
      { line: 2, field: "items.1.productTitle", message: "must be a string" },
    ]);
  });

  it("treats a missing lowStockThreshold column as 'keep the current threshold'", () => {
    const { rows } = parseStockFile({ format: "csv", content: csv("sku,productId,quantity", "A,p,5") });
    expect(rows[0]?.lowStockThreshold).toBeUndefined();
  });

  it("tolerates a byte order mark, in text and in bytes", () => {
    const text = `\uFEFF${csv("sku,productId,quantity", "A,p,5")}`;
    expect(parseStockFile({ format: "csv", content: text }).rows).toHaveLength(1);
    expect(parseStockFile({ format: "csv", content: new TextEncoder().encode(text) }).rows).toHaveLength(1);
    // The encoder keeps the BOM as bytes EF BB BF.
    expect([...new TextEncoder().encode(text).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it("tolerates CRLF and mixed line endings and counts physical lines", () => {
    const content = "sku,productId,quantity\r\nA,p,1\r\n\r\nB,p,2\nC,p,x\r\n";
    expect(csvErrors(content)).toEqual([{ line: 5, field: "quantity", message: "must be a whole number" }]);
    const { rows } = parseStockFile({ format: "csv", content: content.replace("C,p,x", "C,p,3") });
    expect(rows.map((row) => [row.sku, row.line])).toEqual([
      ["A", 2],
      ["B", 4],
      ["C", 5],
    ]);
    expect(rows.map((row) => row.quantity)).toEqual([1, 2, 3]);
  });

  it("reads quoted fields with commas, quotes and line breaks, reporting the line a record starts on", () => {
    const content = csv(
      "sku,productId,quantity,variant.note",
      'A,"prod, with comma",1,"say ""hi"""',
      'B,"multi',
      'line",2,x',
      "C,p,bad,y",
    );
    expect(csvErrors(content)).toEqual([
      { line: 3, field: "productId", message: "must not contain control characters or malformed Unicode" },
      { line: 5, field: "quantity", message: "must be a whole number" },
    ]);
    const good = content.replace('"multi\nline"', '"multi,line"').replace("bad", "3");
    const { rows } = parseStockFile({ format: "csv", content: good });
    expect(rows.map((row) => [row.sku, row.line, row.productId])).toEqual([
      ["A", 2, "prod, with comma"],
      ["B", 3, "multi,line"],
      ["C", 4, "p"],
    ]);
    expect(rows[0]?.variantAttributes).toEqual({ note: 'say "hi"' });
  });

  it("counts a line break inside quotes once, whatever its style", () => {
    const content = 'sku,productId,quantity,variant.note\r\nA,p,1,"x\r\ny"\r\nB,p,-1,z\r\n';
    expect(csvErrors(content)).toEqual([
      { line: 2, field: "variant.note", message: "must not contain control characters or malformed Unicode" },
      { line: 4, field: "quantity", message: "must not be negative" },
    ]);
  });

  it("skips blank lines and rows of empty cells without shifting line numbers", () => {
    const { rows } = parseStockFile({
      format: "csv",
      content: csv("sku,productId,quantity", "", "A,p,1", ",,", "  ", "B,p,2"),
    });
    expect(rows.map((row) => row.line)).toEqual([3, 6]);
  });

  it.each([
    ["12.5", "must be a whole number"],
    ["1e3", "must be a whole number"],
    ["0x10", "must be a whole number"],
    ["+5", "must be a whole number"],
    ["1,000", "must be a whole number"],
    ["abc", "must be a whole number"],
    ["-1", "must not be negative"],
    ["", "is required"],
    ["   ", "is required"],
    ["1000000001", "must be at most 1000000000"],
    ["99999999999999999999999", "must be at most 1000000000"],
  ])("refuses quantity %j: %s", (cell, message) => {
    const quoted = cell.includes(",") ? `"${cell}"` : cell;
    expect(csvErrors(csv("sku,productId,quantity", `A,p,${quoted}`))).toEqual([
      { line: 2, field: "quantity", message },
    ]);
  });

  it("accepts quantity and threshold bounds", () => {
    const { rows } = parseStockFile({
      format: "csv",
      content: csv("sku,productId,quantity,lowStockThreshold", "A,p,1000000000,0", "B,p,-0,1000000000"),
    });
    expect(rows.map((row) => [row.quantity, row.lowStockThreshold])).toEqual([
      [1_000_000_000, 0],
      [0, 1_000_000_000],
    ]);
  });

  it.each([
    ["12.5", "must be a whole number"],
    ["1e3", "must be a whole number"],
    ["-1", "must not be negative"],
    ["abc", "must be a whole number"],
    ["2000000000", "must be at most 1000000000"],
  ])("refuses threshold %j: %s (an empty cell means no threshold)", (cell, message) => {
    expect(csvErrors(csv("sku,productId,quantity,lowStockThreshold", `A,p,1,${cell}`))).toEqual([
      { line: 2, field: "lowStockThreshold", message },
    ]);
  });

  it("reads a purchaseLimit column: a whole number from 1, an empty cell for no limit, no column to keep the current one", () => {
    const { rows } = parseStockFile({
      format: "csv",
      content: csv(
        "sku,productId,quantity,purchaseLimit",
        "A,p,5, 2 ",
        "B,p,5,",
        "C,p,5,1",
        "D,p,5,1000000000",
        "E,p,5,007",
      ),
    });
    expect(rows.map((row) => [row.sku, row.purchaseLimit])).toEqual([
      ["A", 2],
      ["B", null],
      ["C", 1],
      ["D", 1_000_000_000],
      ["E", 7],
    ]);
    expect(
      parseStockFile({ format: "csv", content: csv("sku,productId,quantity", "A,p,5") }).rows[0]?.purchaseLimit,
    ).toBeUndefined();
    // The header is as case-insensitive as the other columns'.
    expect(
      parseStockFile({ format: "csv", content: csv("sku,productId,quantity,PurchaseLimit", "A,p,5,3") }).rows[0]
        ?.purchaseLimit,
    ).toBe(3);
  });

  it.each([
    ["0", "must be at least 1 (empty or null for no limit)"],
    ["-0", "must be at least 1 (empty or null for no limit)"],
    ["-1", "must be at least 1 (empty or null for no limit)"],
    ["1.5", "must be a whole number"],
    ["2.0", "must be a whole number"],
    ["1e3", "must be a whole number"],
    ["+2", "must be a whole number"],
    ["abc", "must be a whole number"],
    ["two", "must be a whole number"],
    ["NaN", "must be a whole number"],
    ["Infinity", "must be a whole number"],
    ["0x2", "must be a whole number"],
    ["=1+1", "must be a whole number"],
    ["2 units", "must be a whole number"],
    ["1000000001", "must be at most 1000000000"],
    ["1000000000000000000000", "must be at most 1000000000"],
    ["9".repeat(5000), "must be at most 1000000000"],
    ["x".repeat(5000), "must be a whole number"],
  ])("refuses purchaseLimit %j: %s", (cell, message) => {
    expect(csvErrors(csv("sku,productId,quantity,purchaseLimit", "A,p,1,2", `B,p,1,${cell}`))).toEqual([
      { line: 3, field: "purchaseLimit", message },
    ]);
  });

  it("refuses unknown columns on line 1, naming the column", () => {
    expect(csvErrors(csv("sku,productId,quantity,colour,reserved", "A,p,1,red,0"))).toEqual([
      { line: 1, field: "colour", message: expect.stringContaining("is not a known column") as unknown },
      { line: 1, field: "reserved", message: expect.stringContaining("is not a known column") as unknown },
    ]);
  });

  it("hints at commas when a file is separated by semicolons", () => {
    const [error] = csvErrors(csv("sku;productId;quantity", "A;p;1"));
    expect(error).toMatchObject({ line: 1, field: "sku;productId;quantity" });
    expect(error?.message).toContain("separated by commas");
  });

  it("refuses missing required columns, duplicate columns and nameless columns", () => {
    expect(csvErrors(csv("sku,quantity", "A,1"))).toEqual([
      { line: 1, field: "productId", message: "column is missing" },
    ]);
    expect(csvErrors(csv("productId,lowStockThreshold", "p,1"))).toEqual([
      { line: 1, field: "sku", message: "column is missing" },
      { line: 1, field: "quantity", message: "column is missing" },
    ]);
    expect(csvErrors(csv("sku,productId,quantity,SKU,variant.size,variant.size", "A,p,1,B,M,M"))).toEqual([
      { line: 1, field: "sku", message: "appears more than once" },
      { line: 1, field: "variant.size", message: "appears more than once" },
    ]);
    expect(csvErrors(csv("sku,productId,quantity,,variant.", "A,p,1,,"))).toEqual([
      { line: 1, field: "column 4", message: "has no name" },
      { line: 1, field: "variant.", message: "needs an attribute name, e.g. variant.size" },
    ]);
    expect(csvErrors(csv(`sku,productId,quantity,variant.${"n".repeat(65)}`, "A,p,1,x"))).toEqual([
      { line: 1, field: `variant.${"n".repeat(65)}`, message: "attribute names must be at most 64 characters" },
    ]);
  });

  it("refuses a row whose field count differs from the header", () => {
    expect(csvErrors(csv("sku,productId,quantity", "A,p", "B,p,1,extra", "C,p,1"))).toEqual([
      { line: 2, field: "(row)", message: "has 2 fields but the header has 3" },
      { line: 3, field: "(row)", message: "has 4 fields but the header has 3" },
    ]);
  });

  it("refuses a repeated sku and variant on the later line, naming the earlier one", () => {
    const content = csv(
      "sku,productId,quantity,variant.size,variant.color",
      "A,p,1,M,Red",
      "A,p,2,L,Red",
      "B,p,1,,",
      " A ,p,3, m ,RED",
      "B,p,1,,",
      "A,p,1,M,",
    );
    expect(csvErrors(content)).toEqual([
      { line: 5, field: "sku", message: "duplicates line 2 (same sku, variant and location)" },
      { line: 6, field: "sku", message: "duplicates line 4 (same sku, variant and location)" },
    ]);
  });

  it("detects duplicates even when the rows have other problems", () => {
    expect(csvErrors(csv("sku,productId,quantity", "A,p,x", "A,,1"))).toEqual([
      { line: 2, field: "quantity", message: "must be a whole number" },
      { line: 3, field: "productId", message: "is required" },
      { line: 3, field: "sku", message: "duplicates line 2 (same sku, variant and location)" },
    ]);
  });

  it("refuses two columns naming the same attribute in one row, and allows either alone", () => {
    const header = "sku,productId,quantity,variant.Size,variant.size";
    expect(csvErrors(csv(header, "A,p,1,M,L"))).toEqual([
      { line: 2, field: "variant.size", message: "names the same attribute as Size" },
    ]);
    const { rows } = parseStockFile({ format: "csv", content: csv(header, "A,p,1,M,", "B,p,1,,L") });
    expect(rows.map((row) => row.variantAttributes)).toEqual([{ Size: "M" }, { size: "L" }]);
  });

  it("applies the shared field rules to sku, product id and attribute values", () => {
    expect(
      csvErrors(
        csv("sku,productId,quantity,variant.size", `${"s".repeat(129)},p,1,M`, ",p,1,M", `A,p,1,${"v".repeat(129)}`),
      ),
    ).toEqual([
      { line: 2, field: "sku", message: "must be at most 128 characters" },
      { line: 3, field: "sku", message: "is required" },
      { line: 4, field: "variant.size", message: "attribute values must be at most 128 characters" },
    ]);
    const many = Array.from({ length: 17 }, (_, index) => `variant.a${index}`).join(",");
    expect(csvErrors(csv(`sku,productId,quantity,${many}`, `A,p,1,${Array(17).fill("x").join(",")}`))).toEqual([
      { line: 2, field: "variant", message: "at most 16 attributes" },
    ]);
  });

  it("lists every problem of every row, in line order", () => {
    const errors = csvErrors(csv(HEADER, "A,p,1.5,-2,M,", ",,x,,,", "C,p,1,,,", "D,p,abc,1,,"));
    expect(errors).toEqual([
      { line: 2, field: "quantity", message: "must be a whole number" },
      { line: 2, field: "lowStockThreshold", message: "must not be negative" },
      { line: 3, field: "quantity", message: "must be a whole number" },
      { line: 3, field: "sku", message: "is required" },
      { line: 3, field: "productId", message: "is required" },
      { line: 5, field: "quantity", message: "must be a whole number" },
    ]);
  });

  it("reports malformed CSV at the line its record starts on, after the problems before it", () => {
    expect(csvErrors(csv("sku,productId,quantity", "A,p,x", "", '"B,p,1', "C,p,2"))).toEqual([
      { line: 2, field: "quantity", message: "must be a whole number" },
      { line: 4, field: "(row)", message: expect.stringContaining("never closed") as unknown },
    ]);
    expect(csvErrors(csv("sku,productId,quantity", "A,p,1", '"B"x,p,1'))).toEqual([
      { line: 3, field: "(row)", message: expect.stringContaining("closing quote") as unknown },
    ]);
    expect(csvErrors(csv("sku,productId,quantity", 'A"B,p,1'))).toEqual([
      {
        line: 2,
        field: "(row)",
        message: expect.stringContaining("quote appears inside an unquoted field") as unknown,
      },
    ]);
    expect(csvErrors('"sku,productId,quantity\nA,p,1')).toEqual([
      { line: 1, field: "(row)", message: expect.stringContaining("never closed") as unknown },
    ]);
  });

  it.each([
    ["an empty file", ""],
    ["blank lines", "\n\r\n  \n"],
    ["a header alone", "sku,productId,quantity\n"],
    ["a header and empty rows", "sku,productId,quantity\n,,\n"],
  ])("refuses %s with 'no rows'", (_, content) => {
    expect(csvErrors(content)).toEqual([{ field: "(file)", message: "no rows" }]);
  });

  it("refuses bytes that are not UTF-8, naming the line", () => {
    const latin1 = Uint8Array.from([
      ...new TextEncoder().encode("sku,productId,quantity,variant.size\nA,p,1,M\nB,p,1,"),
      0xc4,
      0x0a,
    ]);
    expect(csvErrors(latin1)).toEqual([
      { line: 3, field: "(file)", message: expect.stringContaining("not UTF-8") as unknown },
    ]);
  });

  it("refuses more than 10 MiB with payload_too_large, counting UTF-8 bytes", () => {
    const header = "sku,productId,quantity\n";
    const big = header + "x".repeat(STOCK_FILE_MAX_BYTES);
    expect(failure(() => parseStockFile({ content: big, format: "csv" })).code).toBe("payload_too_large");
    expect(
      failure(() => parseStockFile({ content: new Uint8Array(STOCK_FILE_MAX_BYTES + 1), format: "csv" })).code,
    ).toBe("payload_too_large");
    // Fewer characters than the limit, but more bytes: "é" is two bytes.
    const accents = "é".repeat(STOCK_FILE_MAX_BYTES / 2 + 1);
    expect(accents.length).toBeLessThan(STOCK_FILE_MAX_BYTES);
    expect(failure(() => parseStockFile({ content: accents, format: "csv" })).code).toBe("payload_too_large");
  });

  it("accepts 100,000 rows and refuses one more, naming its line", () => {
    const rows = Array.from({ length: STOCK_FILE_MAX_ROWS }, (_, index) => `S${index},p,1`);
    const content = ["sku,productId,quantity", ...rows].join("\n");
    expect(parseStockFile({ content, format: "csv" }).rows).toHaveLength(STOCK_FILE_MAX_ROWS);
    expect(csvErrors(`${content}\nLAST,p,1\nMORE,p,1`)).toEqual([
      { line: STOCK_FILE_MAX_ROWS + 2, field: "(file)", message: `has more than ${STOCK_FILE_MAX_ROWS} rows` },
    ]);
  });

  it("refuses an unknown format", () => {
    const error = failure(() => parseStockFile({ content: "", format: "xml" as "csv" }));
    expect(error.details.errors).toEqual([{ field: "format", message: "must be one of csv, json" }]);
  });
});

describe("parseStockFile: JSON", () => {
  const item = { sku: "A", productId: "p", variantAttributes: { Size: "M" }, quantity: 3, lowStockThreshold: 1 };

  it("reads { items }, an export document and a bare array alike", () => {
    const expected = [
      {
        line: 1,
        sku: "A",
        productId: "p",
        variantAttributes: { Size: "M" },
        variantKey: "size=m",
        location: "main",
        quantity: 3,
        lowStockThreshold: 1,
      },
    ];
    for (const document of [
      { items: [item] },
      { shopId: "s", exportedAt: "2025-01-01T00:00:00.000Z", items: [item] },
      [item],
    ]) {
      expect(parseStockFile({ format: "json", content: JSON.stringify(document) }).rows).toEqual(expected);
    }
  });

  it("reads bytes with a BOM; null or missing attributes mean no variant; a missing threshold keeps the current one", () => {
    const content = new TextEncoder().encode(
      `\uFEFF${JSON.stringify({
        items: [
          { sku: "A", productId: "p", quantity: 1, variantAttributes: null, lowStockThreshold: null },
          { sku: "B", productId: "p", quantity: 2 },
        ],
      })}`,
    );
    const { rows } = parseStockFile({ format: "json", content });
    expect(rows.map((row) => [row.sku, row.variantKey, row.lowStockThreshold])).toEqual([
      ["A", "", null],
      ["B", "", undefined],
    ]);
  });

  it("names problems by entry: line = position (1-based), field = items.N.<field> (N 0-based)", () => {
    const errors = jsonErrors(
      JSON.stringify({
        items: [
          item,
          { ...item, sku: "B", quantity: "12" },
          { ...item, sku: "C", quantity: 12.5, lowStockThreshold: -1 },
          { productId: 7, quantity: 1, reserved: 0, variantKey: "x" },
          "D",
          { ...item, sku: "E", variantAttributes: { size: 1 } },
          { ...item, sku: "F", variantAttributes: ["M"] },
          { ...item, sku: "G", quantity: 1e21 },
        ],
      }),
    );
    expect(errors).toEqual([
      { line: 2, field: "items.1.quantity", message: "must be a number" },
      { line: 3, field: "items.2.quantity", message: "must be a whole number" },
      { line: 3, field: "items.2.lowStockThreshold", message: "must not be negative" },
      { line: 4, field: "items.3.sku", message: "is required" },
      { line: 4, field: "items.3.productId", message: "must be a string" },
      { line: 4, field: "items.3.reserved", message: "is not a known field" },
      { line: 4, field: "items.3.variantKey", message: "is not a known field" },
      { line: 5, field: "items.4", message: "must be an object" },
      { line: 6, field: "items.5.variantAttributes.size", message: "must be a string" },
      { line: 7, field: "items.6.variantAttributes", message: "must be an object" },
      { line: 8, field: "items.7.quantity", message: "must be a whole number" },
    ]);
  });

  it("reads purchaseLimit like lowStockThreshold: null for no limit, absent to keep it; anything but a whole number from 1 is refused by entry", () => {
    const { rows } = parseStockFile({
      format: "json",
      content: JSON.stringify([
        { ...item, purchaseLimit: 2 },
        { ...item, sku: "B", purchaseLimit: null },
        { ...item, sku: "C" },
      ]),
    });
    expect(rows.map((row) => [row.sku, row.purchaseLimit])).toEqual([
      ["A", 2],
      ["B", null],
      ["C", undefined],
    ]);
    const hostile: unknown[] = [0, -1, 1.5, 1e9 + 1, 1e21, "2", "", "abc", true, [2], { n: 2 }, "9".repeat(5000)];
    const errors = jsonErrors(
      JSON.stringify([
        { ...item, purchaseLimit: 2 },
        ...hostile.map((purchaseLimit, index) => ({ ...item, sku: `X${index}`, purchaseLimit })),
      ]),
    );
    expect(errors).toEqual(
      hostile.map((_, index) => ({
        line: index + 2,
        field: `items.${index + 1}.purchaseLimit`,
        message: expect.any(String) as unknown,
      })),
    );
    expect(errors.map((error) => error.message)).toEqual([
      "must be at least 1 (empty or null for no limit)",
      "must be at least 1 (empty or null for no limit)",
      "must be a whole number",
      "must be at most 1000000000",
      "must be a whole number",
      "must be a number",
      "must be a number",
      "must be a number",
      "must be a number",
      "must be a number",
      "must be a number",
      "must be a number",
    ]);
  });

  it("refuses a repeated sku and variant, naming the earlier entry", () => {
    const errors = jsonErrors(
      JSON.stringify([item, { ...item, sku: "B" }, { ...item, variantAttributes: { size: " m " } }]),
    );
    expect(errors).toEqual([
      { line: 3, field: "items.2.sku", message: "duplicates line 1 (same sku, variant and location)" },
    ]);
  });

  it("refuses attributes that differ only in case within one entry", () => {
    expect(jsonErrors(JSON.stringify([{ ...item, variantAttributes: { Size: "M", size: "L" } }]))).toEqual([
      { line: 1, field: "items.0.variantAttributes.size", message: "names the same attribute as Size" },
    ]);
  });

  it("refuses text that is not a stock document", () => {
    expect(jsonErrors("{ items: [")).toEqual([
      { field: "(file)", message: expect.stringContaining("is not valid JSON") as unknown },
    ]);
    expect(jsonErrors("{}")).toEqual([{ field: "items", message: "is required" }]);
    expect(jsonErrors('{"items": {}}')).toEqual([{ field: "items", message: "must be a list" }]);
    expect(jsonErrors('"text"')).toEqual([{ field: "items", message: "must be a list" }]);
    expect(jsonErrors('{"items": []}')).toEqual([{ field: "(file)", message: "no rows" }]);
    expect(jsonErrors(" \n")).toEqual([{ field: "(file)", message: "no rows" }]);
  });

  it("refuses more than 100,000 entries", () => {
    const content = JSON.stringify(Array.from({ length: STOCK_FILE_MAX_ROWS + 1 }, () => 0));
    expect(jsonErrors(content)).toEqual([
      { line: STOCK_FILE_MAX_ROWS + 1, field: "(file)", message: `has more than ${STOCK_FILE_MAX_ROWS} rows` },
    ]);
  });
});

describe("parseStockFile: locations", () => {
  const header = "sku,productId,location,quantity,variant.size";

  it("reads a location column; no column, or an empty cell, is the shop's default location (main)", () => {
    const read = (content: string, format: "csv" | "json" = "csv") =>
      parseStockFile({ format, content }).rows.map((row) => [row.line, row.location]);
    expect(read(csv(header, "A,p,soho,1,M", "A,p,,2,L", "A,p, dock-2 ,3,S", "B,p,main,0,"))).toEqual([
      [2, "soho"],
      [3, "main"],
      [4, "dock-2"],
      [5, "main"],
    ]);
    expect(read(csv("sku,productId,quantity", "A,p,1"))).toEqual([[2, "main"]]);
    expect(read(csv("sku,productId,Location,quantity", "A,p,soho,1"))).toEqual([[2, "soho"]]);
    const items = [
      { sku: "A", productId: "p", quantity: 1, location: "soho" },
      { sku: "B", productId: "p", quantity: 1, location: null },
      { sku: "C", productId: "p", quantity: 1, location: "" },
      { sku: "D", productId: "p", quantity: 1 },
    ];
    expect(read(JSON.stringify({ items }), "json")).toEqual([
      [1, "soho"],
      [2, "main"],
      [3, "main"],
      [4, "main"],
    ]);
  });

  it("refuses a code that is not a location code by line and field, quoting it back", () => {
    const error = failure(() =>
      parseStockFile({
        format: "csv",
        content: csv(
          header,
          "A,p,Soho,1,M",
          "B,p,soho store,1,",
          `C,p,${"x".repeat(33)},1,`,
          "D,p,-dock,1,",
          "E,p,main,1,",
        ),
      }),
    );
    const message = "must be 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter or digit";
    expect(error.details.errors).toEqual([2, 3, 4, 5].map((line) => ({ line, field: "location", message })));
    expect((error.details.context as Array<{ value?: string }>).map((entry) => entry.value)).toEqual([
      "Soho",
      "soho store",
      "x".repeat(33),
      "-dock",
    ]);
    expect(
      jsonErrors(
        JSON.stringify([
          { sku: "A", productId: "p", quantity: 1, location: 7 },
          { sku: "B", productId: "p", quantity: 1, location: "Main" },
        ]),
      ),
    ).toEqual([
      { line: 1, field: "items.0.location", message: "must be a string" },
      { line: 2, field: "items.1.location", message },
    ]);
  });

  it("allows a variant once per location, and refuses a second row for the same variant and location", () => {
    const { rows } = parseStockFile({
      format: "csv",
      content: csv(header, "A,p,main,1,M", "A,p,soho,2,M", "A,p,,3,L"),
    });
    expect(rows.map((row) => [row.variantKey, row.location, row.quantity])).toEqual([
      ["size=m", "main", 1],
      ["size=m", "soho", 2],
      ["size=l", "main", 3],
    ]);
    expect(csvErrors(csv(header, "A,p,soho,1,M", "A,p,main,1,M", " A ,p, soho ,2,m", "A,p,,3,M"))).toEqual([
      { line: 4, field: "sku", message: "duplicates line 2 (same sku, variant and location)" },
      { line: 5, field: "sku", message: "duplicates line 3 (same sku, variant and location)" },
    ]);
    expect(
      jsonErrors(
        JSON.stringify([
          { sku: "A", productId: "p", quantity: 1 },
          { sku: "A", productId: "p", quantity: 1, location: "main" },
        ]),
      ),
    ).toEqual([{ line: 2, field: "items.1.sku", message: "duplicates line 1 (same sku, variant and location)" }]);
  });

  it("refuses rows for one variant at two locations that describe the variant differently", () => {
    const wide = "sku,productId,productTitle,location,quantity,lowStockThreshold,purchaseLimit,variant.size";
    const message = "must be the same as on line 2 (the same variant at another location)";
    expect(
      csvErrors(
        csv(
          wide,
          "A,p,Tee,main,1,2,3,M",
          "A,q,Tee,soho,1,2,3,M",
          "A,p,Shirt,dock,1,,3,M",
          "A,p,Tee,shed,1,2,,m",
          "A,p,Tee,attic,1,2,3,M",
        ),
      ),
    ).toEqual([
      { line: 3, field: "productId", message },
      { line: 4, field: "productTitle", message },
      { line: 4, field: "lowStockThreshold", message },
      { line: 5, field: "purchaseLimit", message },
      { line: 5, field: "variant", message },
    ]);
    // A JSON entry that leaves a field out agrees with any value.
    const { rows } = parseStockFile({
      format: "json",
      content: JSON.stringify([
        { sku: "A", productId: "p", quantity: 1, lowStockThreshold: 2 },
        { sku: "A", productId: "p", quantity: 1, location: "soho" },
      ]),
    });
    expect(rows.map((row) => [row.location, row.lowStockThreshold])).toEqual([
      ["main", 2],
      ["soho", undefined],
    ]);
  });
});

describe("errors quote the row back", () => {
  it("each error's context names the row's sku and the value as written (CSV and JSON)", () => {
    const fromCsv = failure(() =>
      parseStockFile({
        content: csv("sku,productId,quantity,variant.size", "TEE,tee,12.5,M", " MUG ,mug,-3,", ",x,1,"),
        format: "csv",
      }),
    );
    expect(fromCsv.details.errors).toEqual([
      { line: 2, field: "quantity", message: "must be a whole number" },
      { line: 3, field: "quantity", message: "must not be negative" },
      { line: 4, field: "sku", message: "is required" },
    ]);
    expect(fromCsv.details.context).toEqual([
      { sku: "TEE", value: "12.5" },
      { sku: "MUG", value: "-3" },
      { value: "" },
    ]);

    const long = "x".repeat(200);
    const fromJson = failure(() =>
      parseStockFile({
        content: JSON.stringify({
          items: [
            { sku: "CAP", productId: "cap", quantity: 1.5 },
            { sku: "HAT", productId: long, quantity: 1 },
          ],
        }),
        format: "json",
      }),
    );
    expect((fromJson.details.errors as FieldError[]).map((error) => error.field)).toEqual([
      "items.0.quantity",
      "items.1.productId",
    ]);
    expect(fromJson.details.context).toEqual([
      { sku: "CAP", value: "1.5" },
      { sku: "HAT", value: `${"x".repeat(79)}…` },
    ]);
  });
});
