import { afterStockWrite } from "../alerts/stock-alerts.ts";
import { ITEM_COLUMNS, toItem, type ItemRow } from "./item-row.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Database } from "../db/prisma-client.ts";
import { sameVariantAttributes } from "../variants/variant-key.ts";
import { DEFAULT_LOCATION } from "../locations/location-inputs.ts";
import { parseLocationCode } from "../locations/location-parsers.ts";
import { InventoryError, type FieldError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import {
  deltaSchema,
  normaliseStockItemInputs,
  parseOrThrow,
  parseShopId,
  parseStockChange,
  purchaseLimitSchema,
  quantitySchema,
  skuSchema,
  titleSchema,
  variantKeySchema,
} from "./inputs.ts";
import type {
  AdjustQuantityInput,
  InventoryStore,
  ListLedgerOptions,
  SetQuantityInput,
  UpdateItemInput,
} from "./inventory-store.ts";
import {
  compareRefs,
  refId,
  type LedgerEntry,
  type LedgerReason,
  type StockChange,
  type UpsertItemsResult,
  type VariantRef,
} from "./types.ts";

function parseRef(ref: VariantRef): VariantRef {
  return {
    sku: parseOrThrow(skuSchema, ref?.sku, "sku"),
    variantKey: parseOrThrow(variantKeySchema, ref?.variantKey, "variantKey"),
  };
}

function describeRef(ref: VariantRef): string {
  return ref.variantKey ? `${ref.sku} (${ref.variantKey})` : ref.sku;
}

function heldConflict(
  ref: VariantRef,
  quantity: number,
  reserved: number,
  location = DEFAULT_LOCATION,
): InventoryError {
  const where = location === DEFAULT_LOCATION ? "" : ` at ${location}`;
  return new InventoryError(
    "conflict",
    `Quantity of ${describeRef(ref)}${where} cannot go to ${quantity}: ${reserved} units are held by active checkouts.`,
    { details: { sku: ref.sku, variantKey: ref.variantKey, location, quantity, reserved } },
  );
}

/** A row inventory_write_levels refused. */
interface LevelRefusal {
  index: number;
  field: string;
  message: string;
  reason?: "negative" | "too_large" | "held";
  quantity?: number;
  reserved?: number;
  location?: string;
}

/** The PostgreSQL backend. Writes are single transactions that lock rows in key order. */
export function createPrismaInventoryStore(database: Database): InventoryStore {
  const { prisma } = database;

  async function run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toInventoryError(error);
    }
  }

  async function transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>, timeout = 15_000): Promise<T> {
    const result = await run(() => prisma.$transaction(fn, { maxWait: 5_000, timeout }));
    // Operator writes are rare: look for low-stock crossings after each (in the background).
    afterStockWrite(database, true);
    return result;
  }

  /** Locks stock rows in the global lock order (inventory_lock, the one owner of that order). */
  async function lockStock(tx: Prisma.TransactionClient, shopId: string, refs: VariantRef[]): Promise<void> {
    await tx.$queryRaw`
      SELECT inventory_lock(${shopId}, NULL, '{}', ${refs.map((r) => r.sku)}::text[], ${refs.map((r) => r.variantKey)}::text[], false)`;
  }

  async function lockItem(tx: Prisma.TransactionClient, shopId: string, ref: VariantRef): Promise<ItemRow> {
    await lockStock(tx, shopId, [ref]);
    const rows = await tx.$queryRaw<ItemRow[]>`
      SELECT ${ITEM_COLUMNS} FROM "InventoryItem"
      WHERE "shopId" = ${shopId} AND sku = ${ref.sku} AND "variantKey" = ${ref.variantKey}`;
    const row = rows[0];
    if (!row) throw new InventoryError("not_found", `No stock item ${describeRef(ref)} in shop ${shopId}.`);
    return row;
  }

  /**
   * Writes quantities at locations (inventory_write_levels: the location's quantity, the shop's online total, a
   * ledger entry per change), all or nothing. Refusals come back per row; `onRefused` turns them into the error.
   */
  async function writeLevels(
    tx: Prisma.TransactionClient,
    shopId: string,
    rows: Array<VariantRef & { location: string } & ({ quantity: number } | { delta: number })>,
    change: StockChange,
  ): Promise<{ rows: Array<{ index: number; quantity: number; delta: number }> } | { errors: LevelRefusal[] }> {
    const result = await tx.$queryRaw<Array<{ result: unknown }>>`
      SELECT inventory_write_levels(${shopId}, ${JSON.stringify(rows)}::jsonb, ${change.reason}, ${change.actor},
        ${change.note ?? null}, now()) AS result`;
    return result[0]!.result as
      { rows: Array<{ index: number; quantity: number; delta: number }> } | { errors: LevelRefusal[] };
  }

  /** One quantity write on a locked item; throws what a single edit is told. */
  async function writeOne(
    tx: Prisma.TransactionClient,
    row: ItemRow,
    location: string,
    write: { quantity: number } | { delta: number },
    change: StockChange,
  ): Promise<ItemRow> {
    const result = await writeLevels(
      tx,
      row.shopId,
      [{ sku: row.sku, variantKey: row.variantKey, location, ...write }],
      change,
    );
    if ("errors" in result) {
      const refusal = result.errors[0]!;
      if (refusal.reason === "held") {
        const wanted = "quantity" in write ? write.quantity : refusal.quantity! + write.delta;
        throw heldConflict(row, wanted, refusal.reserved!, location);
      }
      throw InventoryError.validation([{ field: refusal.field, message: refusal.message }]);
    }
    const rows = await tx.$queryRaw<ItemRow[]>`
      SELECT ${ITEM_COLUMNS} FROM "InventoryItem" WHERE "shopId" = ${row.shopId} AND sku = ${row.sku} AND "variantKey" = ${row.variantKey}`;
    return rows[0]!;
  }

  return {
    backend: "prisma",

    listShops: () =>
      run(async () => {
        const rows = await prisma.$queryRaw<{ shopId: string }[]>`
          SELECT DISTINCT "shopId" FROM "InventoryItem" ORDER BY "shopId"`;
        return rows.map((row) => row.shopId);
      }),

    listItems: (shopId) =>
      run(async () => {
        const id = parseShopId(shopId);
        const rows = await prisma.$queryRaw<ItemRow[]>`
          SELECT ${ITEM_COLUMNS} FROM "InventoryItem" WHERE "shopId" = ${id}
          ORDER BY sku COLLATE "C", "variantKey" COLLATE "C"`;
        return rows.map(toItem);
      }),

    getItem: (shopId, ref) =>
      run(async () => {
        const id = parseShopId(shopId);
        const { sku, variantKey } = parseRef(ref);
        const rows = await prisma.$queryRaw<ItemRow[]>`
          SELECT ${ITEM_COLUMNS} FROM "InventoryItem"
          WHERE "shopId" = ${id} AND sku = ${sku} AND "variantKey" = ${variantKey}`;
        return rows[0] ? toItem(rows[0]) : null;
      }),

    getItems: (shopId, refs) =>
      run(async () => {
        const id = parseShopId(shopId);
        if (refs.length === 0) return [];
        const parsed = refs.map(parseRef);
        // Straight to the shared pg pool: validation's hot path, where Prisma's per-query work was half the cost.
        const { rows } = await database.pool.query<ItemRow>(
          `SELECT ${ITEM_COLUMNS.text} FROM "InventoryItem"
           WHERE "shopId" = $1 AND (sku, "variantKey") IN (SELECT * FROM unnest($2::text[], $3::text[]))
           ORDER BY sku COLLATE "C", "variantKey" COLLATE "C"`,
          [id, parsed.map((r) => r.sku), parsed.map((r) => r.variantKey)],
        );
        return rows.map(toItem);
      }),

    async upsertItems(shopId, inputs, change): Promise<UpsertItemsResult> {
      const id = parseShopId(shopId);
      const validChange = parseStockChange(change);
      const normalised = normaliseStockItemInputs(inputs);
      if (normalised.length === 0) return { created: 0, updated: 0, unchanged: 0, items: [] };
      // Deterministic order for locks and inserts: concurrent imports never deadlock.
      const order = normalised.map((input, index) => ({ input, index })).sort((a, b) => compareRefs(a.input, b.input));
      const key = (sku: string, variantKey: string) => refId({ sku, variantKey });
      // One entry per variant: what its rows give for the item itself (inputs agree, normaliseStockItemInputs checks).
      const variants = new Map<string, (typeof order)[number]["input"]>();
      for (const { input } of order) {
        const k = key(input.sku, input.variantKey);
        const seen = variants.get(k);
        if (!seen) variants.set(k, { ...input });
        else {
          seen.productTitle ??= input.productTitle;
          seen.variantTitle ??= input.variantTitle;
          if (seen.lowStockThreshold === undefined) seen.lowStockThreshold = input.lowStockThreshold;
          if (seen.purchaseLimit === undefined) seen.purchaseLimit = input.purchaseLimit;
        }
      }
      const list = [...variants.values()];
      return transaction(async (tx) => {
        // Levels are written here (inventory_write_levels), not by the trigger for code from before locations.
        await tx.$queryRaw`SELECT set_config('acme.locations', 'on', true)`;
        // 1. Create the items that do not exist yet, with no stock: their quantities are written in step 3.
        const inserted = await tx.$queryRaw<ItemRow[]>`
          INSERT INTO "InventoryItem" ("shopId", sku, "variantKey", "productId", "productTitle", "variantTitle", "variantAttributes", quantity, "lowStockThreshold", "purchaseLimit", "updatedAt")
          SELECT ${id}, t.sku, t.key, t.product, coalesce(t.ptitle, ''), coalesce(t.vtitle, ''), t.attrs::jsonb, 0, t.threshold, t.plimit, now()
          FROM unnest(
            ${list.map((v) => v.sku)}::text[],
            ${list.map((v) => v.variantKey)}::text[],
            ${list.map((v) => v.productId)}::text[],
            ${list.map((v) => v.productTitle ?? null)}::text[],
            ${list.map((v) => v.variantTitle ?? null)}::text[],
            ${list.map((v) => JSON.stringify(v.variantAttributes))}::text[],
            ${list.map((v) => v.lowStockThreshold ?? null)}::int[],
            ${list.map((v) => v.purchaseLimit ?? null)}::int[]
          ) AS t(sku, key, product, ptitle, vtitle, attrs, threshold, plimit)
          ON CONFLICT ("shopId", sku, "variantKey") DO NOTHING
          RETURNING ${ITEM_COLUMNS}`;
        const created = new Set(inserted.map((row) => key(row.sku, row.variantKey)));

        // 2. Lock every variant in key order (inventory_write_levels locks them again, a no-op) and update what
        //    changed on the items themselves.
        await lockStock(tx, id, list);
        const existing = await tx.$queryRaw<ItemRow[]>`
          SELECT ${ITEM_COLUMNS} FROM "InventoryItem"
          WHERE "shopId" = ${id}
            AND (sku, "variantKey") IN (SELECT * FROM unnest(${list.map((v) => v.sku)}::text[], ${list.map((v) => v.variantKey)}::text[]))`;
        const before = new Map(existing.map((row) => [key(row.sku, row.variantKey), row]));
        const metadata = list.flatMap((v) => {
          const row = before.get(key(v.sku, v.variantKey))!;
          if (created.has(key(v.sku, v.variantKey))) return [];
          const next = {
            v,
            threshold: v.lowStockThreshold === undefined ? row.lowStockThreshold : v.lowStockThreshold,
            purchaseLimit: v.purchaseLimit === undefined ? row.purchaseLimit : v.purchaseLimit,
            productTitle: v.productTitle ?? row.productTitle,
            variantTitle: v.variantTitle ?? row.variantTitle,
          };
          const same =
            row.productId === v.productId &&
            next.productTitle === row.productTitle &&
            next.variantTitle === row.variantTitle &&
            next.threshold === row.lowStockThreshold &&
            next.purchaseLimit === row.purchaseLimit &&
            sameVariantAttributes(row.variantAttributes as Record<string, string>, v.variantAttributes);
          return same ? [] : [next];
        });
        const changedItems = new Set(metadata.map((m) => key(m.v.sku, m.v.variantKey)));

        // 3. Quantities at their locations, all or nothing.
        const written = await writeLevels(
          tx,
          id,
          order.map(({ input }) => ({
            sku: input.sku,
            variantKey: input.variantKey,
            location: input.location,
            quantity: input.quantity,
          })),
          validChange,
        );
        if ("errors" in written) {
          const unknown = written.errors.filter((e) => e.field === "location");
          if (unknown.length > 0) {
            throw InventoryError.validation(
              unknown
                .map((e) => ({ index: order[e.index]!.index, message: e.message }))
                .sort((a, b) => a.index - b.index)
                .map((e) => ({ field: `items.${e.index}.location`, message: e.message })),
            );
          }
          const errors: Array<FieldError & { index: number }> = written.errors
            .map((e) => ({ index: order[e.index]!.index, field: "quantity", message: e.message }))
            .sort((a, b) => a.index - b.index);
          throw new InventoryError("conflict", "Some items cannot be changed while their stock is held.", {
            details: { errors },
          });
        }
        if (metadata.length > 0) {
          await tx.$executeRaw`
            UPDATE "InventoryItem" AS i SET
              "productId" = t.product, "productTitle" = t.ptitle, "variantTitle" = t.vtitle,
              "variantAttributes" = t.attrs::jsonb,
              "lowStockThreshold" = t.threshold, "purchaseLimit" = t.plimit, version = i.version + 1, "updatedAt" = now()
            FROM unnest(
              ${metadata.map((m) => m.v.sku)}::text[],
              ${metadata.map((m) => m.v.variantKey)}::text[],
              ${metadata.map((m) => m.v.productId)}::text[],
              ${metadata.map((m) => m.productTitle)}::text[],
              ${metadata.map((m) => m.variantTitle)}::text[],
              ${metadata.map((m) => JSON.stringify(m.v.variantAttributes))}::text[],
              ${metadata.map((m) => m.threshold)}::int[],
              ${metadata.map((m) => m.purchaseLimit)}::int[]
            ) AS t(sku, key, product, ptitle, vtitle, attrs, threshold, plimit)
            WHERE i."shopId" = ${id} AND i.sku = t.sku AND i."variantKey" = t.key`;
        }
        // One change, one version: a created item is at 1, a changed one a step past where it was.
        const moved = new Set(
          written.rows
            .filter((row) => row.delta !== 0)
            .map((row) => key(order[row.index]!.input.sku, order[row.index]!.input.variantKey)),
        );
        const versioned = list.flatMap((v) => {
          const k = key(v.sku, v.variantKey);
          if (created.has(k)) return [{ v, version: 1 }];
          if (moved.has(k) || changedItems.has(k)) return [{ v, version: before.get(k)!.version + 1 }];
          return [];
        });
        if (versioned.length > 0) {
          await tx.$executeRaw`
            UPDATE "InventoryItem" AS i SET version = t.version
            FROM unnest(${versioned.map((x) => x.v.sku)}::text[], ${versioned.map((x) => x.v.variantKey)}::text[],
              ${versioned.map((x) => x.version)}::int[]) AS t(sku, key, version)
            WHERE i."shopId" = ${id} AND i.sku = t.sku AND i."variantKey" = t.key AND i.version <> t.version`;
        }
        const after = await tx.$queryRaw<ItemRow[]>`
          SELECT ${ITEM_COLUMNS} FROM "InventoryItem"
          WHERE "shopId" = ${id}
            AND (sku, "variantKey") IN (SELECT * FROM unnest(${list.map((v) => v.sku)}::text[], ${list.map((v) => v.variantKey)}::text[]))`;
        const rows = new Map(after.map((row) => [key(row.sku, row.variantKey), row]));

        // Counted per input: created (the first row of a new item), unchanged (nothing moved), or updated.
        const deltas = new Map<number, number>();
        written.rows.forEach((row) => deltas.set(order[row.index]!.index, row.delta));
        const counted = new Set<string>();
        let createdCount = 0;
        let updated = 0;
        let unchanged = 0;
        normalised.forEach((input, index) => {
          const k = key(input.sku, input.variantKey);
          if (created.has(k) && !counted.has(k)) {
            counted.add(k);
            createdCount++;
          } else if (!created.has(k) && deltas.get(index) === 0 && !changedItems.has(k)) unchanged++;
          else updated++;
        });
        const items = normalised.map((input) => toItem(rows.get(key(input.sku, input.variantKey))!));
        return { created: createdCount, updated, unchanged, items };
      }, 120_000);
    },

    async updateItem(input: UpdateItemInput) {
      const id = parseShopId(input.shopId);
      const ref = parseRef(input);
      const productId =
        input.productId === undefined ? undefined : parseOrThrow(skuSchema, input.productId, "productId");
      const productTitle =
        input.productTitle === undefined ? undefined : parseOrThrow(titleSchema, input.productTitle, "productTitle");
      const variantTitle =
        input.variantTitle === undefined ? undefined : parseOrThrow(titleSchema, input.variantTitle, "variantTitle");
      const threshold =
        input.lowStockThreshold === undefined || input.lowStockThreshold === null
          ? input.lowStockThreshold
          : parseOrThrow(quantitySchema, input.lowStockThreshold, "lowStockThreshold");
      const purchaseLimit =
        input.purchaseLimit === undefined || input.purchaseLimit === null
          ? input.purchaseLimit
          : parseOrThrow(purchaseLimitSchema, input.purchaseLimit, "purchaseLimit");
      return transaction(async (tx) => {
        const row = await lockItem(tx, id, ref);
        if (input.expectedVersion !== undefined && row.version !== input.expectedVersion) {
          throw new InventoryError("conflict", `${describeRef(ref)} was changed by someone else.`, {
            details: { current: toItem(row) },
          });
        }
        const nextProduct = productId ?? row.productId;
        const nextThreshold = threshold === undefined ? row.lowStockThreshold : threshold;
        const nextPurchaseLimit = purchaseLimit === undefined ? row.purchaseLimit : purchaseLimit;
        const nextProductTitle = productTitle ?? row.productTitle;
        const nextVariantTitle = variantTitle ?? row.variantTitle;
        if (
          nextProduct === row.productId &&
          nextThreshold === row.lowStockThreshold &&
          nextPurchaseLimit === row.purchaseLimit &&
          nextProductTitle === row.productTitle &&
          nextVariantTitle === row.variantTitle
        ) {
          return toItem(row);
        }
        const rows = await tx.$queryRaw<ItemRow[]>`
          UPDATE "InventoryItem" SET "productId" = ${nextProduct}, "lowStockThreshold" = ${nextThreshold},
            "purchaseLimit" = ${nextPurchaseLimit}, "productTitle" = ${nextProductTitle}, "variantTitle" = ${nextVariantTitle},
            version = version + 1, "updatedAt" = now()
          WHERE "shopId" = ${id} AND sku = ${ref.sku} AND "variantKey" = ${ref.variantKey}
          RETURNING ${ITEM_COLUMNS}`;
        return toItem(rows[0]!);
      });
    },

    async setQuantity(input: SetQuantityInput) {
      const id = parseShopId(input.shopId);
      const ref = parseRef(input);
      const quantity = parseOrThrow(quantitySchema, input.quantity, "quantity");
      const location = input.location === undefined ? DEFAULT_LOCATION : parseLocationCode(input.location, "location");
      const change = parseStockChange({ reason: input.reason, actor: input.actor, note: input.note });
      return transaction(async (tx) => {
        const row = await lockItem(tx, id, ref);
        if (input.expectedVersion !== undefined && row.version !== input.expectedVersion) {
          throw new InventoryError("conflict", `${describeRef(ref)} was changed by someone else.`, {
            details: { current: toItem(row) },
          });
        }
        return toItem(await writeOne(tx, row, location, { quantity }, change));
      });
    },

    async adjustQuantity(input: AdjustQuantityInput) {
      const id = parseShopId(input.shopId);
      const ref = parseRef(input);
      const delta = parseOrThrow(deltaSchema, input.delta, "delta");
      const location = input.location === undefined ? DEFAULT_LOCATION : parseLocationCode(input.location, "location");
      const change = parseStockChange({ reason: input.reason, actor: input.actor, note: input.note });
      return transaction(async (tx) => {
        const row = await lockItem(tx, id, ref);
        if (delta === 0) return toItem(row);
        return toItem(await writeOne(tx, row, location, { delta }, change));
      });
    },

    listLedger: (shopId, options: ListLedgerOptions = {}) =>
      run(async () => {
        const id = parseShopId(shopId);
        const limit = Number.isFinite(options.limit) ? Math.min(Math.max(Math.trunc(options.limit!), 1), 1000) : 100;
        if (options.beforeId !== undefined && !/^\d{1,18}$/.test(options.beforeId)) {
          throw InventoryError.validation([{ field: "beforeId", message: "must be a ledger entry id" }]);
        }
        const beforeId = options.beforeId === undefined ? undefined : BigInt(options.beforeId);
        const rows = await prisma.stockLedgerEntry.findMany({
          where: {
            shopId: id,
            ...(options.sku === undefined ? {} : { sku: options.sku }),
            ...(options.variantKey === undefined ? {} : { variantKey: options.variantKey }),
            ...(options.location === undefined ? {} : { location: parseLocationCode(options.location, "location") }),
            ...(beforeId === undefined ? {} : { id: { lt: beforeId } }),
          },
          orderBy: { id: "desc" },
          take: limit,
        });
        return rows.map((row): LedgerEntry => ({
          id: row.id.toString(),
          shopId: row.shopId,
          sku: row.sku,
          variantKey: row.variantKey,
          location: row.location,
          delta: row.delta,
          quantityAfter: row.quantityAfter,
          reason: row.reason as LedgerReason,
          holdId: row.holdId,
          actor: row.actor,
          note: row.note,
          createdAt: row.createdAt,
        }));
      }),

    close: () => database.close(),
  };
}
