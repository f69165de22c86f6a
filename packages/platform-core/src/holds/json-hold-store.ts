import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { listShopFileIds, readShopState, withShopFile } from "../inventory/json/shop-file.ts";
import { appendLedgerEntry, itemKey, type ShopState, type StoredHold } from "../inventory/json/shop-file-format.ts";
import {
  refId,
  type CreateHoldCommand,
  type CreateHoldOutcome,
  type HoldStatus,
  type HoldStore,
  type HoldTransition,
  type InventoryHoldView,
  type ReconcileDrift,
} from "./types.ts";

// Holds in the JSON backend. Every transition is one read-modify-write of the
// shop file under its cross-process lock, so each is atomic and serialised
// with every other change to that shop.

function isExpired(hold: StoredHold, now: Date): boolean {
  return hold.status === "active" && Date.parse(hold.expiresAt) <= now.getTime();
}

function toView(shopId: string, hold: StoredHold, now: Date): InventoryHoldView {
  return {
    holdId: hold.id,
    shopId,
    status: isExpired(hold, now) ? "expired" : hold.status,
    expiresAt: new Date(hold.expiresAt),
    createdAt: new Date(hold.createdAt),
    committedAt: hold.committedAt ? new Date(hold.committedAt) : null,
    releasedAt: hold.releasedAt ? new Date(hold.releasedAt) : null,
    expiredAt: hold.expiredAt ? new Date(hold.expiredAt) : null,
    idempotencyKey: hold.idempotencyKey,
    items: hold.items.map((item) => ({ ...item, variantAttributes: { ...item.variantAttributes } })),
  };
}

/** Gives an active hold's units back and marks it released or expired. */
function settle(state: ShopState, hold: StoredHold, status: "released" | "expired", now: Date): void {
  const stamp = now.toISOString();
  for (const line of hold.items) {
    const item = state.items.get(itemKey(line.sku, line.variantKey));
    if (item) {
      item.reserved -= line.quantity;
      item.updatedAt = stamp;
    }
  }
  hold.status = status;
  hold.updatedAt = stamp;
  if (status === "released") hold.releasedAt = stamp;
  else hold.expiredAt = stamp;
}

function findHold(state: ShopState, holdId: string): StoredHold | undefined {
  return state.holds.find((hold) => hold.id === holdId);
}

export function createJsonHoldStore({ dataDir }: { dataDir: string }): HoldStore {
  async function guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toInventoryError(error);
    }
  }
  const mutate = <T>(shopId: string, fn: (state: ShopState) => T) => guard(() => withShopFile(dataDir, shopId, fn));
  const read = (shopId: string) => guard(() => readShopState(dataDir, shopId));

  function shortfall(state: ShopState, command: CreateHoldCommand) {
    return command.lines
      .map((line) => {
        const item = state.items.get(itemKey(line.sku, line.variantKey));
        const available = item ? Math.max(item.quantity - item.reserved, 0) : 0;
        return { sku: line.sku, variantKey: line.variantKey, requested: line.quantity, available };
      })
      .filter((line) => line.available < line.requested);
  }

  return {
    backend: "json",

    createHold: (command) =>
      mutate(command.shopId, (state): CreateHoldOutcome => {
        if (command.idempotencyKey !== undefined) {
          const existing = state.holds.find((hold) => hold.idempotencyKey === command.idempotencyKey);
          if (existing) {
            return { outcome: "existing", holdId: existing.id, expiresAt: new Date(existing.expiresAt), status: existing.status };
          }
        }
        let short = shortfall(state, command);
        if (short.length > 0) {
          // Expired holds on these variants never block a buyer: expire them first, in this same write.
          const wanted = new Set(command.lines.map(refId));
          for (const hold of state.holds) {
            if (isExpired(hold, command.now) && hold.items.some((item) => wanted.has(refId(item)))) {
              settle(state, hold, "expired", command.now);
            }
          }
          short = shortfall(state, command);
          if (short.length > 0) return { outcome: "insufficient", insufficient: short };
        }
        const stamp = command.now.toISOString();
        const items = command.lines.map((line) => {
          const item = state.items.get(itemKey(line.sku, line.variantKey))!;
          item.reserved += line.quantity;
          item.updatedAt = stamp;
          return {
            sku: line.sku,
            variantKey: line.variantKey,
            productId: line.productId ?? item.productId,
            variantAttributes: line.variantAttributes ?? item.variantAttributes,
            quantity: line.quantity,
          };
        });
        state.holds.push({
          id: command.holdId,
          status: "active",
          expiresAt: command.expiresAt.toISOString(),
          createdAt: stamp,
          updatedAt: stamp,
          committedAt: null,
          releasedAt: null,
          expiredAt: null,
          idempotencyKey: command.idempotencyKey ?? null,
          items,
        });
        return { outcome: "created", holdId: command.holdId, expiresAt: command.expiresAt, status: "active" };
      }),

    commitHold: ({ shopId, holdId, actor, now }) =>
      mutate(shopId, (state): HoldTransition => {
        const hold = findHold(state, holdId);
        if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
        if (hold.status === "committed") return { holdId, status: "committed", changed: false };
        if (hold.status !== "active") {
          throw new InventoryError("conflict", `Hold ${holdId} is ${hold.status}; its stock was given back and cannot be sold from it.`, {
            details: { holdId, status: hold.status },
          });
        }
        const stamp = now.toISOString();
        for (const line of hold.items) {
          const item = state.items.get(itemKey(line.sku, line.variantKey))!;
          item.quantity -= line.quantity;
          item.reserved -= line.quantity;
          item.version += 1;
          item.updatedAt = stamp;
          appendLedgerEntry(state, {
            sku: line.sku,
            variantKey: line.variantKey,
            delta: -line.quantity,
            quantityAfter: item.quantity,
            reason: "sale",
            holdId,
            actor,
            note: null,
            createdAt: stamp,
          });
        }
        hold.status = "committed";
        hold.committedAt = stamp;
        hold.updatedAt = stamp;
        return { holdId, status: "committed", changed: true };
      }),

    releaseHold: ({ shopId, holdId, now }) =>
      mutate(shopId, (state): HoldTransition => {
        const hold = findHold(state, holdId);
        if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
        if (hold.status !== "active") return { holdId, status: hold.status, changed: false };
        settle(state, hold, "released", now);
        return { holdId, status: "released", changed: true };
      }),

    extendHold: ({ shopId, holdId, expiresAt, now }) =>
      mutate(shopId, (state) => {
        const hold = findHold(state, holdId);
        if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
        if (hold.status !== "active" || isExpired(hold, now)) {
          const status: HoldStatus = isExpired(hold, now) ? "expired" : hold.status;
          throw new InventoryError("conflict", `Hold ${holdId} is ${status} and cannot be extended.`, { details: { holdId, status } });
        }
        hold.expiresAt = expiresAt.toISOString();
        hold.updatedAt = now.toISOString();
        return toView(shopId, hold, now);
      }),

    async getHold({ shopId, holdId, now }) {
      const hold = findHold(await read(shopId), holdId);
      return hold ? toView(shopId, hold, now) : null;
    },

    async listHolds({ shopId, status, limit = 100, now }) {
      const take = Math.min(Math.max(Math.trunc(limit), 1), 1000);
      return (await read(shopId)).holds
        .map((hold) => toView(shopId, hold, now))
        .filter((hold) => status === undefined || hold.status === status)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.holdId < b.holdId ? -1 : 1))
        .slice(0, take);
    },

    releaseExpiredHolds: ({ shopId, limit, now }) =>
      mutate(shopId, (state) => {
        const expired = state.holds
          .filter((hold) => isExpired(hold, now))
          .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt) || (a.id < b.id ? -1 : 1))
          .slice(0, limit);
        for (const hold of expired) settle(state, hold, "expired", now);
        return expired.length;
      }),

    async expiredHeldQuantities({ shopId, refs, now }) {
      const wanted = new Set(refs.map(refId));
      const result = new Map<string, number>();
      for (const hold of (await read(shopId)).holds) {
        if (!isExpired(hold, now)) continue;
        for (const item of hold.items) {
          const id = refId(item);
          if (wanted.has(id)) result.set(id, (result.get(id) ?? 0) + item.quantity);
        }
      }
      return result;
    },

    async listHoldShops() {
      const shops: string[] = [];
      for (const shopId of await guard(() => listShopFileIds(dataDir))) {
        if ((await read(shopId)).holds.some((hold) => hold.status === "active")) shops.push(shopId);
      }
      return shops;
    },

    async reconcile({ shopId, repair }) {
      const shops = shopId === undefined ? await guard(() => listShopFileIds(dataDir)) : [shopId];
      const drift: ReconcileDrift[] = [];
      let checked = 0;
      for (const shop of shops) {
        const inspect = (state: ShopState) => {
          const expected = new Map<string, number>();
          for (const hold of state.holds) {
            if (hold.status !== "active") continue;
            for (const item of hold.items) expected.set(refId(item), (expected.get(refId(item)) ?? 0) + item.quantity);
          }
          const found: ReconcileDrift[] = [];
          for (const item of [...state.items.values()].sort((a, b) => (a.sku === b.sku ? (a.variantKey < b.variantKey ? -1 : 1) : a.sku < b.sku ? -1 : 1))) {
            const want = expected.get(refId(item)) ?? 0;
            if (item.reserved !== want) {
              found.push({ shopId: shop, sku: item.sku, variantKey: item.variantKey, reserved: item.reserved, expected: want });
              if (repair) item.reserved = want;
            }
          }
          checked += state.items.size;
          return found;
        };
        drift.push(...(repair ? await mutate(shop, inspect) : inspect(await read(shop))));
      }
      return { checked, drift, repaired: repair && drift.length > 0 };
    },
  };
}
