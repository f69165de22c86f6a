import { DEFAULT_LOCATION } from "../locations/location-inputs.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { toInventoryError } from "../errors/to-inventory-error.ts";
import { createJsonWebhookEventLog } from "../webhooks/webhook-event-log.ts";
import { listShopFileIds, readShopState, withShopFile } from "../inventory/json/shop-file.ts";
import { appendLedgerEntry, itemKey, type ShopState, type StoredHold } from "../inventory/json/shop-file-format.ts";
import {
  refId,
  type CreateHoldCommand,
  type CreateHoldOutcome,
  type HandledEvent,
  type HoldStatus,
  type HoldStore,
  type HoldTransition,
  type HoldPolicy,
  type InventoryHoldView,
  type LimitedLine,
  type VariantHolder,
  type OversoldSaleView,
  type PaidHoldResult,
  type ReconcileDrift,
} from "./types.ts";
import { compareRefs } from "../inventory/types.ts";
import { DEFAULT_HOLD_POLICY } from "./hold-policy.ts";

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
    checkoutSessionId: hold.checkoutSessionId ?? null,
    clientAddress: hold.clientAddress ?? null,
    clientBuyer: hold.clientBuyer ?? null,
    openExpiresAt: hold.openExpiresAt ? new Date(hold.openExpiresAt) : null,
    openedAt: hold.openedAt ? new Date(hold.openedAt) : null,
    items: hold.items.map((item) => ({
      ...item,
      variantAttributes: { ...item.variantAttributes },
      // The JSON backend keeps one location per shop.
      locations: [{ location: DEFAULT_LOCATION, quantity: item.quantity }],
    })),
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

/** Takes sold units out of stock (and out of reserved when they were held), with a `sale` ledger entry. */
function sellLine(
  state: ShopState,
  line: { sku: string; variantKey: string; quantity: number },
  sale: { holdId: string; actor: string; note: string | null; stamp: string; wasReserved: boolean },
): void {
  const item = state.items.get(itemKey(line.sku, line.variantKey))!;
  item.quantity -= line.quantity;
  if (sale.wasReserved) item.reserved -= line.quantity;
  item.version += 1;
  item.updatedAt = sale.stamp;
  appendLedgerEntry(state, {
    sku: line.sku,
    variantKey: line.variantKey,
    delta: -line.quantity,
    quantityAfter: item.quantity,
    reason: "sale",
    holdId: sale.holdId,
    actor: sale.actor,
    note: sale.note,
    createdAt: sale.stamp,
  });
}

/** Turns an active hold into a sale: units leave quantity and reserved, one ledger entry per line. */
function commitActive(state: ShopState, hold: StoredHold, actor: string, now: Date): void {
  const stamp = now.toISOString();
  for (const line of hold.items)
    sellLine(state, line, { holdId: hold.id, actor, note: null, stamp, wasReserved: true });
  hold.status = "committed";
  hold.committedAt = stamp;
  hold.updatedAt = stamp;
}

type Shortfall = Array<{ sku: string; variantKey: string; requested: number; available: number }>;

/**
 * Sells lines that are not reserved: every line or none, only where available
 * stock covers it. Returns the shortfall (empty when sold).
 */
function sellUnreserved(
  state: ShopState,
  lines: Array<{ sku: string; variantKey: string; quantity: number }>,
  sale: { holdId: string; actor: string; note: string; now: Date },
): Shortfall {
  const short = shortfall(state, lines);
  if (short.length > 0) return short;
  const stamp = sale.now.toISOString();
  for (const line of lines)
    sellLine(state, line, { holdId: sale.holdId, actor: sale.actor, note: sale.note, stamp, wasReserved: false });
  return [];
}

/** The lines that the shop's available stock (quantity - reserved) cannot cover. */
function shortfall(state: ShopState, lines: Array<{ sku: string; variantKey: string; quantity: number }>): Shortfall {
  return lines
    .map((line) => {
      const item = state.items.get(itemKey(line.sku, line.variantKey));
      const available = item ? Math.max(item.quantity - item.reserved, 0) : 0;
      return { sku: line.sku, variantKey: line.variantKey, requested: line.quantity, available };
    })
    .filter((line) => line.available < line.requested);
}

function policyOf(state: ShopState): HoldPolicy {
  const stored = state.holdPolicy;
  return stored
    ? {
        maxActiveHoldsPerClient: stored.maxActiveHoldsPerClient,
        maxHeldUnitsPerClient: stored.maxHeldUnitsPerClient,
        unopenedHoldSeconds: stored.unopenedHoldSeconds,
        isDefault: false,
      }
    : DEFAULT_HOLD_POLICY;
}

/** The client's keyed hashes a command names, with their kind. */
function clientsOf(command: CreateHoldCommand): Array<{ kind: "address" | "buyer"; key: string }> {
  return [
    ...(command.client?.address === undefined ? [] : [{ kind: "address" as const, key: command.client.address }]),
    ...(command.client?.buyer === undefined ? [] : [{ kind: "buyer" as const, key: command.client.buyer }]),
  ];
}

function heldBy(hold: StoredHold, client: { kind: "address" | "buyer"; key: string }): boolean {
  return (client.kind === "address" ? hold.clientAddress : hold.clientBuyer) === client.key;
}

/**
 * The purchase-limit and cap answer for a request, or null when it may go on
 * to the stock check (the same rules as inventory_create_holds_batch).
 */
function refusal(state: ShopState, command: CreateHoldCommand): CreateHoldOutcome | null {
  const clients = clientsOf(command);
  const live = (hold: StoredHold) =>
    hold.status === "committed" || (hold.status === "active" && !isExpired(hold, command.now));
  const limited: LimitedLine[] = [];
  for (const line of command.lines) {
    const limit = state.items.get(itemKey(line.sku, line.variantKey))?.purchaseLimit ?? null;
    if (limit === null) continue;
    const alreadyHeld = Math.max(
      0,
      ...clients.map((client) =>
        state.holds
          .filter((hold) => live(hold) && heldBy(hold, client))
          .flatMap((hold) => hold.items)
          .filter((item) => item.sku === line.sku && item.variantKey === line.variantKey)
          .reduce((sum, item) => sum + item.quantity, 0),
      ),
    );
    if (line.quantity + alreadyHeld > limit)
      limited.push({ sku: line.sku, variantKey: line.variantKey, requested: line.quantity, limit, alreadyHeld });
  }
  if (limited.length > 0) return { outcome: "limited", lines: limited };
  const policy = policyOf(state);
  const units = command.lines.reduce((sum, line) => sum + line.quantity, 0);
  for (const client of clients) {
    const active = state.holds.filter(
      (hold) => hold.status === "active" && !isExpired(hold, command.now) && heldBy(hold, client),
    );
    const held = active.flatMap((hold) => hold.items).reduce((sum, item) => sum + item.quantity, 0);
    const cap =
      active.length + 1 > policy.maxActiveHoldsPerClient
        ? { cap: "holds" as const, limit: policy.maxActiveHoldsPerClient }
        : held + units > policy.maxHeldUnitsPerClient
          ? { cap: "units" as const, limit: policy.maxHeldUnitsPerClient }
          : null;
    if (!cap) continue;
    const earliest = Math.min(...active.map((hold) => Date.parse(hold.expiresAt)));
    return {
      outcome: "capped",
      ...cap,
      client: client.kind,
      retryAfterSeconds: active.length === 0 ? null : Math.max(1, Math.ceil((earliest - command.now.getTime()) / 1000)),
    };
  }
  return null;
}

/** A hold's lines merged per variant, in lock order. */
function mergedLines(hold: StoredHold) {
  const merged = new Map<string, { sku: string; variantKey: string; quantity: number }>();
  for (const item of hold.items) {
    const line = merged.get(refId(item));
    if (line) line.quantity += item.quantity;
    else merged.set(refId(item), { sku: item.sku, variantKey: item.variantKey, quantity: item.quantity });
  }
  return [...merged.values()].sort(compareRefs);
}

export function createJsonHoldStore({ dataDir }: { dataDir: string }): HoldStore {
  // Files cannot share one atomic step with the event marker; recording after
  // the change is safe because every settlement is idempotent.
  const events = createJsonWebhookEventLog({ dataDir });
  async function andRecord<T>(
    result: () => Promise<T>,
    event: HandledEvent | undefined,
    now: Date,
    duplicate: T,
  ): Promise<T> {
    if (event && (await guard(() => events.seen(event.id)))) return duplicate;
    const value = await result();
    if (event) await guard(() => events.record(event.id, event.type, now));
    return value;
  }

  async function guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toInventoryError(error);
    }
  }
  const mutate = <T>(shopId: string, fn: (state: ShopState) => T) => guard(() => withShopFile(dataDir, shopId, fn));
  const read = (shopId: string) => guard(() => readShopState(dataDir, shopId));

  return {
    backend: "json",

    createHold: (command) =>
      mutate(command.shopId, (state): CreateHoldOutcome => {
        // Expired holds on these variants never block a buyer: they are expired
        // first, in this same write (as PostgreSQL's batch does for every request).
        const wanted = new Set(command.lines.map(refId));
        for (const hold of state.holds) {
          if (isExpired(hold, command.now) && hold.items.some((item) => wanted.has(refId(item)))) {
            settle(state, hold, "expired", command.now);
          }
        }
        if (command.idempotencyKey !== undefined) {
          const existing = state.holds.find((hold) => hold.idempotencyKey === command.idempotencyKey);
          if (existing) {
            return {
              outcome: "existing",
              holdId: existing.id,
              expiresAt: new Date(existing.expiresAt),
              openExpiresAt: existing.openExpiresAt ? new Date(existing.openExpiresAt) : null,
              status: existing.status,
              sameRequest: (existing.requestFingerprint ?? null) === (command.fingerprint ?? null),
            };
          }
        }
        const refused = refusal(state, command);
        if (refused) return refused;
        const short = shortfall(state, command.lines);
        if (short.length > 0) return { outcome: "insufficient", insufficient: short };
        const stamp = command.now.toISOString();
        // A checkout's hold lapses early until its payment page is opened (openHold).
        const expiresAt = command.lapseUnopened
          ? new Date(
              Math.min(command.expiresAt.getTime(), command.now.getTime() + policyOf(state).unopenedHoldSeconds * 1000),
            )
          : command.expiresAt;
        const openExpiresAt = command.lapseUnopened ? command.expiresAt : null;
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
          expiresAt: expiresAt.toISOString(),
          createdAt: stamp,
          updatedAt: stamp,
          committedAt: null,
          releasedAt: null,
          expiredAt: null,
          idempotencyKey: command.idempotencyKey ?? null,
          requestFingerprint: command.fingerprint ?? null,
          clientAddress: command.client?.address ?? null,
          clientBuyer: command.client?.buyer ?? null,
          openExpiresAt: openExpiresAt?.toISOString() ?? null,
          openedAt: null,
          items,
        });
        return { outcome: "created", holdId: command.holdId, expiresAt, openExpiresAt, status: "active" };
      }),

    commitHold: ({ shopId, holdId, actor, now }) =>
      mutate(shopId, (state): HoldTransition => {
        const hold = findHold(state, holdId);
        if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
        if (hold.status === "committed") return { holdId, status: "committed", changed: false };
        if (hold.status !== "active") {
          throw new InventoryError(
            "conflict",
            `Hold ${holdId} is ${hold.status}; its stock was given back and cannot be sold from it.`,
            {
              details: { holdId, status: hold.status },
            },
          );
        }
        commitActive(state, hold, actor, now);
        return { holdId, status: "committed", changed: true };
      }),

    releaseHold: ({ shopId, holdId, now, event, forgetIdempotencyKey }) =>
      andRecord(
        () =>
          mutate(shopId, (state): HoldTransition => {
            const hold = findHold(state, holdId);
            if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
            if (forgetIdempotencyKey && hold.status !== "committed") hold.idempotencyKey = null;
            if (hold.status !== "active") return { holdId, status: hold.status, changed: false };
            settle(state, hold, "released", now);
            return { holdId, status: "released", changed: true };
          }),
        event,
        now,
        { holdId, status: "active", changed: false, duplicate: true },
      ),

    openHold: ({ shopId, holdId, now }) =>
      mutate(shopId, (state) => {
        const hold = findHold(state, holdId);
        if (!hold) return null;
        if (hold.status === "active" && !isExpired(hold, now) && hold.openExpiresAt && !hold.openedAt) {
          if (Date.parse(hold.openExpiresAt) > Date.parse(hold.expiresAt)) hold.expiresAt = hold.openExpiresAt;
          hold.openedAt = now.toISOString();
          hold.updatedAt = hold.openedAt;
        }
        return toView(shopId, hold, now);
      }),

    async listVariantHolders({ shopId, sku, variantKey, limit, now }) {
      const holders = new Map<string, VariantHolder>();
      for (const hold of (await read(shopId)).holds) {
        if (hold.status !== "active" || isExpired(hold, now)) continue;
        const units = hold.items
          .filter((item) => item.sku === sku && item.variantKey === variantKey)
          .reduce((sum, item) => sum + item.quantity, 0);
        if (units === 0) continue;
        for (const [client, key] of [
          ["address", hold.clientAddress],
          ["buyer", hold.clientBuyer],
        ] as const) {
          if (!key) continue;
          const entry = holders.get(`${client}:${key}`) ?? {
            client,
            key,
            holds: 0,
            units: 0,
            since: new Date(hold.createdAt),
          };
          entry.holds += 1;
          entry.units += units;
          if (Date.parse(hold.createdAt) < entry.since.getTime()) entry.since = new Date(hold.createdAt);
          holders.set(`${client}:${key}`, entry);
        }
      }
      return [...holders.values()]
        .sort(
          (a, b) =>
            b.units - a.units ||
            a.since.getTime() - b.since.getTime() ||
            a.client.localeCompare(b.client) ||
            (a.key < b.key ? -1 : 1),
        )
        .slice(0, Math.min(Math.max(Math.trunc(limit), 1), 1000));
    },

    async listClientHoldIds({ shopId, client, key, now }) {
      return (await read(shopId)).holds
        .filter((hold) => hold.status === "active" && !isExpired(hold, now) && heldBy(hold, { kind: client, key }))
        .map((hold) => hold.id)
        .sort();
    },

    releaseClientHolds: ({ shopId, client, key, actor, now }) =>
      mutate(shopId, (state) => {
        const released = state.holds
          .filter((hold) => hold.status === "active" && heldBy(hold, { kind: client, key }))
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        const units = released.flatMap((hold) => hold.items).reduce((sum, item) => sum + item.quantity, 0);
        const stamp = now.toISOString();
        for (const hold of released) {
          settle(state, hold, "released", now);
          for (const line of [...hold.items].sort(compareRefs)) {
            appendLedgerEntry(state, {
              sku: line.sku,
              variantKey: line.variantKey,
              delta: 0,
              quantityAfter: state.items.get(itemKey(line.sku, line.variantKey))?.quantity ?? 0,
              reason: "hold_release",
              holdId: hold.id,
              actor,
              note: `released ${line.quantity} held of one ${client} (top holders in the CMS)`,
              createdAt: stamp,
            });
          }
        }
        return { holdIds: released.map((hold) => hold.id), units };
      }),

    getHoldPolicy: async ({ shopId }) => policyOf(await read(shopId)),

    setHoldPolicy: ({ shopId, policy, actor, now }) =>
      mutate(shopId, (state) => {
        state.holdPolicy = { ...policy, updatedBy: actor, updatedAt: now.toISOString() };
        return policyOf(state);
      }),

    extendHold: ({ shopId, holdId, expiresAt, now }) =>
      mutate(shopId, (state) => {
        const hold = findHold(state, holdId);
        if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
        if (hold.status !== "active" || isExpired(hold, now)) {
          const status: HoldStatus = isExpired(hold, now) ? "expired" : hold.status;
          throw new InventoryError("conflict", `Hold ${holdId} is ${status} and cannot be extended.`, {
            details: { holdId, status },
          });
        }
        // Concurrent extensions never shorten a hold: the later expiry wins.
        if (Date.parse(hold.expiresAt) < expiresAt.getTime()) hold.expiresAt = expiresAt.toISOString();
        hold.updatedAt = now.toISOString();
        return toView(shopId, hold, now);
      }),

    async getHold({ shopId, holdId, now }) {
      const hold = findHold(await read(shopId), holdId);
      return hold ? toView(shopId, hold, now) : null;
    },

    attachCheckoutSession: ({ shopId, holdId, checkoutSessionId }) =>
      mutate(shopId, (state) => {
        const hold = findHold(state, holdId);
        if (!hold || hold.checkoutSessionId) return false;
        hold.checkoutSessionId = checkoutSessionId;
        return true;
      }),

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

    commitPaidHold: ({ shopId, holdId, actor, checkoutSessionId, now, event }) =>
      andRecord(
        () =>
          mutate(shopId, (state): PaidHoldResult => {
            const hold = findHold(state, holdId);
            if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
            // The session that paid, when checkout could not record it.
            if (checkoutSessionId && !hold.checkoutSessionId) hold.checkoutSessionId = checkoutSessionId;
            if (hold.status === "committed") return { holdId, outcome: "already_committed" };
            if (hold.status === "active") {
              commitActive(state, hold, actor, now);
              return { holdId, outcome: "committed" };
            }
            if (state.oversold.some((sale) => sale.holdId === holdId)) return { holdId, outcome: "oversold" };
            const short = sellUnreserved(state, mergedLines(hold), {
              holdId,
              actor,
              note: "paid after the hold lapsed",
              now,
            });
            if (short.length === 0) {
              hold.status = "committed";
              hold.committedAt = now.toISOString();
              hold.updatedAt = now.toISOString();
              return { holdId, outcome: "recommitted" };
            }
            state.oversold.push({
              id: `oversold_${holdId}`,
              holdId,
              checkoutSessionId: checkoutSessionId ?? null,
              items: short,
              createdAt: now.toISOString(),
              resolvedAt: null,
            });
            return { holdId, outcome: "oversold", insufficient: short };
          }),
        event,
        now,
        { holdId, outcome: "duplicate" },
      ),

    recordPaidSale: ({ shopId, saleId, checkoutSessionId, lines, actor, now }) =>
      mutate(shopId, (state) => {
        if (findHold(state, saleId)) return { outcome: "already_recorded" as const };
        const stamp = now.toISOString();
        const hold: StoredHold = {
          id: saleId,
          status: "released",
          expiresAt: stamp,
          createdAt: stamp,
          updatedAt: stamp,
          committedAt: null,
          releasedAt: null,
          expiredAt: null,
          idempotencyKey: null,
          requestFingerprint: null,
          items: lines.map((line) => {
            const item = state.items.get(itemKey(line.sku, line.variantKey));
            return {
              sku: line.sku,
              variantKey: line.variantKey,
              productId: item?.productId ?? line.sku,
              variantAttributes: item?.variantAttributes ?? {},
              quantity: line.quantity,
            };
          }),
        };
        state.holds.push(hold);
        const short = sellUnreserved(state, lines, { holdId: saleId, actor, note: "validate-only checkout", now });
        if (short.length === 0) {
          hold.status = "committed";
          hold.committedAt = stamp;
          return { outcome: "sold" as const };
        }
        state.oversold.push({
          id: `oversold_${saleId}`,
          holdId: saleId,
          checkoutSessionId,
          items: short,
          createdAt: stamp,
          resolvedAt: null,
        });
        return { outcome: "oversold" as const, insufficient: short };
      }),

    awaitPayment: ({ shopId, holdId, until, now, event }) =>
      andRecord(
        () =>
          mutate(shopId, (state): HoldTransition => {
            const hold = findHold(state, holdId);
            if (!hold) throw new InventoryError("not_found", `No hold ${holdId} in shop ${shopId}.`);
            if (hold.status !== "active") return { holdId, status: hold.status, changed: false };
            if (Date.parse(hold.expiresAt) < until.getTime()) {
              hold.expiresAt = until.toISOString();
              hold.updatedAt = now.toISOString();
            }
            return { holdId, status: "active", changed: true };
          }),
        event,
        now,
        { holdId, status: "active", changed: false, duplicate: true },
      ),

    async listOversoldSales({ shopId, limit = 100 }) {
      const take = Math.min(Math.max(Math.trunc(limit), 1), 1000);
      return (await read(shopId)).oversold
        .map((sale): OversoldSaleView => ({
          id: sale.id,
          shopId,
          holdId: sale.holdId,
          checkoutSessionId: sale.checkoutSessionId,
          items: sale.items,
          createdAt: new Date(sale.createdAt),
          resolvedAt: sale.resolvedAt ? new Date(sale.resolvedAt) : null,
        }))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .slice(0, take);
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
          for (const item of [...state.items.values()].sort(compareRefs)) {
            const want = expected.get(refId(item)) ?? 0;
            if (item.reserved !== want) {
              found.push({
                shopId: shop,
                sku: item.sku,
                variantKey: item.variantKey,
                reserved: item.reserved,
                expected: want,
              });
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
