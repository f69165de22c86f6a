import { afterStockWrite } from "../alerts/stock-alerts.ts";
import { ITEM_COLUMNS, toItem, type ItemRow } from "./item-row.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Database } from "../db/prisma-client.ts";
import { sameVariantAttributes } from "../variants/variant-key.ts";
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
  MAX_QUANTITY,
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

function heldConflict(ref: VariantRef, quantity: number, reserved: number): InventoryError {
  return new InventoryError(
    "conflict",
    `Quantity of ${describeRef(ref)} cannot go to ${quantity}: ${reserved} units are held by active checkouts.`,
    { details: { sku: ref.sku, variantKey: ref.variantKey, quantity, reserved } },
  );
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

  /** Sets quantity on a locked row and writes the ledger entry, in one statement. */
  async function writeQuantity(
    tx: Prisma.TransactionClient,
    row: ItemRow,
    quantity: number,
    change: StockChange,
  ): Promise<ItemRow> {
    const delta = quantity - row.quantity;
    const rows = await tx.$queryRaw<ItemRow[]>`
      WITH updated AS (
        UPDATE "InventoryItem" SET quantity = ${quantity}, version = version + 1, "updatedAt" = now()
        WHERE "shopId" = ${row.shopId} AND sku = ${row.sku} AND "variantKey" = ${row.variantKey}
        RETURNING ${ITEM_COLUMNS}
      ), ledger AS (
        INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor, note)
        SELECT "shopId", sku, "variantKey", ${delta}, quantity, ${change.reason}, ${change.actor}, ${change.note ?? null}
        FROM updated
      )
      SELECT * FROM updated`;
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
      return transaction(async (tx) => {
        // 1. Create what does not exist yet. Rows this statement returns were
        //    inserted by us, so their previous quantity is exactly 0.
        const inserted = await tx.$queryRaw<ItemRow[]>`
          INSERT INTO "InventoryItem" ("shopId", sku, "variantKey", "productId", "productTitle", "variantTitle", "variantAttributes", quantity, "lowStockThreshold", "purchaseLimit", "updatedAt")
          SELECT ${id}, t.sku, t.key, t.product, coalesce(t.ptitle, ''), coalesce(t.vtitle, ''), t.attrs::jsonb, t.qty, t.threshold, t.plimit, now()
          FROM unnest(
            ${order.map((o) => o.input.sku)}::text[],
            ${order.map((o) => o.input.variantKey)}::text[],
            ${order.map((o) => o.input.productId)}::text[],
            ${order.map((o) => o.input.productTitle ?? null)}::text[],
            ${order.map((o) => o.input.variantTitle ?? null)}::text[],
            ${order.map((o) => JSON.stringify(o.input.variantAttributes))}::text[],
            ${order.map((o) => o.input.quantity)}::int[],
            ${order.map((o) => o.input.lowStockThreshold ?? null)}::int[],
            ${order.map((o) => o.input.purchaseLimit ?? null)}::int[]
          ) AS t(sku, key, product, ptitle, vtitle, attrs, qty, threshold, plimit)
          ON CONFLICT ("shopId", sku, "variantKey") DO NOTHING
          RETURNING ${ITEM_COLUMNS}`;
        const rows = new Map(inserted.map((row) => [key(row.sku, row.variantKey), row]));
        const created = new Set(rows.keys());

        // 2. Lock the rest in key order and work out what changes.
        const others = order.filter((o) => !created.has(key(o.input.sku, o.input.variantKey)));
        let existing: ItemRow[] = [];
        if (others.length > 0) {
          await lockStock(
            tx,
            id,
            others.map((o) => o.input),
          );
          existing = await tx.$queryRaw<ItemRow[]>`
            SELECT ${ITEM_COLUMNS} FROM "InventoryItem"
            WHERE "shopId" = ${id}
              AND (sku, "variantKey") IN (
                SELECT * FROM unnest(${others.map((o) => o.input.sku)}::text[], ${others.map((o) => o.input.variantKey)}::text[]))
            ORDER BY sku COLLATE "C", "variantKey" COLLATE "C"`;
        }
        for (const row of existing) rows.set(key(row.sku, row.variantKey), row);

        const errors: Array<FieldError & { index: number }> = [];
        const updates: Array<{
          input: (typeof order)[number]["input"];
          threshold: number | null;
          purchaseLimit: number | null;
          productTitle: string;
          variantTitle: string;
          previous: number;
        }> = [];
        let unchanged = 0;
        for (const { input, index } of others) {
          const row = rows.get(key(input.sku, input.variantKey))!;
          if (input.quantity < row.reserved) {
            errors.push({
              index,
              field: "quantity",
              message: `${input.quantity} is below the ${row.reserved} units held by active checkouts`,
            });
            continue;
          }
          const threshold = input.lowStockThreshold === undefined ? row.lowStockThreshold : input.lowStockThreshold;
          const purchaseLimit = input.purchaseLimit === undefined ? row.purchaseLimit : input.purchaseLimit;
          const productTitle = input.productTitle ?? row.productTitle;
          const variantTitle = input.variantTitle ?? row.variantTitle;
          const same =
            row.quantity === input.quantity &&
            row.productId === input.productId &&
            productTitle === row.productTitle &&
            variantTitle === row.variantTitle &&
            threshold === row.lowStockThreshold &&
            purchaseLimit === row.purchaseLimit &&
            sameVariantAttributes(row.variantAttributes as Record<string, string>, input.variantAttributes);
          if (same) unchanged++;
          else updates.push({ input, threshold, purchaseLimit, productTitle, variantTitle, previous: row.quantity });
        }
        if (errors.length > 0) {
          throw new InventoryError("conflict", "Some items cannot be changed while their stock is held.", {
            details: { errors: errors.sort((a, b) => a.index - b.index) },
          });
        }

        // 3. Apply the updates and write one ledger entry per quantity that moved.
        if (updates.length > 0) {
          const updated = await tx.$queryRaw<ItemRow[]>`
            UPDATE "InventoryItem" AS i SET
              "productId" = t.product, "productTitle" = t.ptitle, "variantTitle" = t.vtitle,
              "variantAttributes" = t.attrs::jsonb, quantity = t.qty,
              "lowStockThreshold" = t.threshold, "purchaseLimit" = t.plimit, version = i.version + 1, "updatedAt" = now()
            FROM unnest(
              ${updates.map((u) => u.input.sku)}::text[],
              ${updates.map((u) => u.input.variantKey)}::text[],
              ${updates.map((u) => u.input.productId)}::text[],
              ${updates.map((u) => u.productTitle)}::text[],
              ${updates.map((u) => u.variantTitle)}::text[],
              ${updates.map((u) => JSON.stringify(u.input.variantAttributes))}::text[],
              ${updates.map((u) => u.input.quantity)}::int[],
              ${updates.map((u) => u.threshold)}::int[],
              ${updates.map((u) => u.purchaseLimit)}::int[]
            ) AS t(sku, key, product, ptitle, vtitle, attrs, qty, threshold, plimit)
            WHERE i."shopId" = ${id} AND i.sku = t.sku AND i."variantKey" = t.key
            RETURNING ${Prisma.sql`i."shopId", i.sku, i."productId", i."productTitle", i."variantTitle", i."variantKey", i."variantAttributes", i.quantity, i.reserved, i."lowStockThreshold", i."purchaseLimit", i.version, i."createdAt", i."updatedAt"`}`;
          for (const row of updated) rows.set(key(row.sku, row.variantKey), row);
        }
        const ledger = [
          ...inserted.map((row) => ({
            sku: row.sku,
            variantKey: row.variantKey,
            delta: row.quantity,
            after: row.quantity,
          })),
          ...updates.map((u) => ({
            sku: u.input.sku,
            variantKey: u.input.variantKey,
            delta: u.input.quantity - u.previous,
            after: u.input.quantity,
          })),
        ].filter((entry) => entry.delta !== 0);
        if (ledger.length > 0) {
          await tx.$executeRaw`
            INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor, note)
            SELECT ${id}, t.sku, t.key, t.delta, t.after, ${validChange.reason}, ${validChange.actor}, ${validChange.note ?? null}
            FROM unnest(
              ${ledger.map((l) => l.sku)}::text[],
              ${ledger.map((l) => l.variantKey)}::text[],
              ${ledger.map((l) => l.delta)}::int[],
              ${ledger.map((l) => l.after)}::int[]
            ) AS t(sku, key, delta, after)`;
        }
        const items = normalised.map((input) => toItem(rows.get(key(input.sku, input.variantKey))!));
        return { created: created.size, updated: updates.length, unchanged, items };
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
      const change = parseStockChange({ reason: input.reason, actor: input.actor, note: input.note });
      return transaction(async (tx) => {
        const row = await lockItem(tx, id, ref);
        if (input.expectedVersion !== undefined && row.version !== input.expectedVersion) {
          throw new InventoryError("conflict", `${describeRef(ref)} was changed by someone else.`, {
            details: { current: toItem(row) },
          });
        }
        if (quantity < row.reserved) throw heldConflict(ref, quantity, row.reserved);
        if (quantity === row.quantity) return toItem(row);
        return toItem(await writeQuantity(tx, row, quantity, change));
      });
    },

    async adjustQuantity(input: AdjustQuantityInput) {
      const id = parseShopId(input.shopId);
      const ref = parseRef(input);
      const delta = parseOrThrow(deltaSchema, input.delta, "delta");
      const change = parseStockChange({ reason: input.reason, actor: input.actor, note: input.note });
      return transaction(async (tx) => {
        const row = await lockItem(tx, id, ref);
        const quantity = row.quantity + delta;
        if (quantity > MAX_QUANTITY) {
          throw InventoryError.validation([
            { field: "delta", message: `would take ${describeRef(ref)} above ${MAX_QUANTITY}` },
          ]);
        }
        if (quantity < 0) {
          throw InventoryError.validation([
            { field: "delta", message: `would take ${describeRef(ref)} below zero (on hand: ${row.quantity})` },
          ]);
        }
        if (quantity < row.reserved) throw heldConflict(ref, quantity, row.reserved);
        if (delta === 0) return toItem(row);
        return toItem(await writeQuantity(tx, row, quantity, change));
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
