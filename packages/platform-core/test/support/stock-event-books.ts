import type pg from "pg";
import { expect } from "vitest";
import type { Database } from "../../src/db/prisma-client.ts";
import { sequenceStockEvents } from "../../src/stock-events/sequence-stock-events.ts";

// The stock events' books, checked against InventoryLevel and the ledger in one snapshot: what "every change has its
// event, in commit order per variant" means, as a test can see it.

interface EventRow {
  id: string;
  seq: string | null;
  shopId: string;
  sku: string;
  variantKey: string;
  location: string;
  reason: string;
  quantityBefore: number;
  quantityAfter: number;
  reservedBefore: number;
  reservedAfter: number;
  ledgerEntryId: string | null;
}

interface LedgerRow {
  id: string;
  shopId: string;
  sku: string;
  variantKey: string;
  location: string;
  delta: number;
  quantityAfter: number;
  reason: string;
}

interface LevelRow {
  shopId: string;
  sku: string;
  variantKey: string;
  location: string;
  quantity: number;
  reserved: number;
}

export interface StockEventBooks {
  /** Events per shop. */
  events: Map<string, number>;
  /** Problems found; empty when the books balance. */
  problems: string[];
}

const levelKey = (row: { shopId: string; sku: string; variantKey: string; location: string }) =>
  `${row.shopId}/${row.sku}/${row.variantKey}/${row.location}`;

/**
 * Reads events, ledger and levels in one REPEATABLE READ snapshot and reports every way they disagree:
 * - each shop's sequence numbers are exactly 1..N (and StockEventShop.lastSeq is N), no event left unsequenced;
 * - for every level, its events in sequence order chain (each one's before is the previous one's after) from 0/0 to
 *   the level's quantity and reserved now;
 * - every change of quantity names a ledger entry of its level with the same reason, delta and quantity after, and
 *   every ledger entry that changed quantity is named by exactly one event (so the events' quantity deltas add up to
 *   the ledger's, level by level); a change of reserved alone names none.
 * Levels start at 0/0 with no event: every level in these tests was created by the location path.
 */
export async function readStockEventBooks(pool: pg.Pool, shopIds: readonly string[]): Promise<StockEventBooks> {
  const client = await pool.connect();
  let events: EventRow[];
  let ledger: LedgerRow[];
  let levels: LevelRow[];
  let shops: Array<{ shopId: string; lastSeq: string }>;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    events = (
      await client.query<EventRow>(
        `SELECT id::text, seq::text, "shopId", sku, "variantKey", location, reason, "quantityBefore", "quantityAfter",
                "reservedBefore", "reservedAfter", "ledgerEntryId"::text
         FROM "StockEvent" WHERE "shopId" = ANY ($1) ORDER BY "shopId", "StockEvent".seq NULLS LAST, id`,
        [shopIds],
      )
    ).rows;
    ledger = (
      await client.query<LedgerRow>(
        `SELECT id::text, "shopId", sku, "variantKey", location, delta, "quantityAfter", reason
         FROM "StockLedgerEntry" WHERE "shopId" = ANY ($1) ORDER BY id`,
        [shopIds],
      )
    ).rows;
    levels = (
      await client.query<LevelRow>(
        `SELECT "shopId", sku, "variantKey", location, quantity, reserved FROM "InventoryLevel" WHERE "shopId" = ANY ($1)`,
        [shopIds],
      )
    ).rows;
    shops = (
      await client.query<{ shopId: string; lastSeq: string }>(
        `SELECT "shopId", "lastSeq"::text AS "lastSeq" FROM "StockEventShop" WHERE "shopId" = ANY ($1)`,
        [shopIds],
      )
    ).rows;
    await client.query("COMMIT");
  } finally {
    client.release();
  }

  const problems: string[] = [];
  const counts = new Map<string, number>();
  const lastSeq = new Map(shops.map((row) => [row.shopId, Number(row.lastSeq)]));
  for (const shopId of shopIds) {
    const seqs = events.filter((e) => e.shopId === shopId).map((e) => e.seq);
    counts.set(shopId, seqs.length);
    const unsequenced = seqs.filter((seq) => seq === null).length;
    if (unsequenced > 0) problems.push(`${shopId}: ${unsequenced} events unsequenced`);
    const numbers = seqs.filter((seq): seq is string => seq !== null).map(Number);
    numbers.forEach((n, i) => {
      if (n !== i + 1) problems.push(`${shopId}: sequence number ${i + 1} is ${n}`);
    });
    if ((lastSeq.get(shopId) ?? 0) !== numbers.length)
      problems.push(`${shopId}: lastSeq ${lastSeq.get(shopId) ?? 0} for ${numbers.length} events`);
  }

  const ledgerById = new Map(ledger.map((row) => [row.id, row]));
  const namedBy = new Map<string, string[]>();
  const chains = new Map<string, { quantity: number; reserved: number; delta: number }>();
  for (const event of events) {
    if (event.seq === null) continue;
    const key = levelKey(event);
    const what = `${key} #${event.seq} (${event.reason})`;
    const state = chains.get(key) ?? { quantity: 0, reserved: 0, delta: 0 };
    if (event.quantityBefore !== state.quantity || event.reservedBefore !== state.reserved)
      problems.push(
        `${what}: before ${event.quantityBefore}/${event.reservedBefore}, the previous event left ${state.quantity}/${state.reserved}`,
      );
    chains.set(key, {
      quantity: event.quantityAfter,
      reserved: event.reservedAfter,
      delta: state.delta + event.quantityAfter - event.quantityBefore,
    });
    const delta = event.quantityAfter - event.quantityBefore;
    if (event.ledgerEntryId === null) {
      if (delta !== 0) problems.push(`${what}: a change of quantity (${delta}) without a ledger entry`);
      continue;
    }
    namedBy.set(event.ledgerEntryId, [...(namedBy.get(event.ledgerEntryId) ?? []), what]);
    const entry = ledgerById.get(event.ledgerEntryId);
    if (!entry) {
      problems.push(`${what}: names ledger entry ${event.ledgerEntryId}, which is not there`);
      continue;
    }
    if (
      levelKey(entry) !== key ||
      entry.reason !== event.reason ||
      entry.delta !== delta ||
      entry.quantityAfter !== event.quantityAfter
    )
      problems.push(
        `${what}: ${delta} to ${event.quantityAfter} names ledger entry ${entry.id} (${levelKey(entry)}, ${entry.reason}, ${entry.delta} to ${entry.quantityAfter})`,
      );
  }
  for (const entry of ledger) {
    if (entry.delta === 0) continue;
    const by = namedBy.get(entry.id) ?? [];
    if (by.length !== 1)
      problems.push(`ledger entry ${entry.id} (${levelKey(entry)}, ${entry.reason}) is named by ${by.length} events`);
  }
  const ledgerSums = new Map<string, number>();
  for (const entry of ledger) ledgerSums.set(levelKey(entry), (ledgerSums.get(levelKey(entry)) ?? 0) + entry.delta);
  for (const level of levels) {
    const key = levelKey(level);
    const state = chains.get(key) ?? { quantity: 0, reserved: 0, delta: 0 };
    if (state.quantity !== level.quantity || state.reserved !== level.reserved)
      problems.push(
        `${key}: events end at ${state.quantity}/${state.reserved}, the level is ${level.quantity}/${level.reserved}`,
      );
    if (state.delta !== (ledgerSums.get(key) ?? 0))
      problems.push(`${key}: events move quantity by ${state.delta}, the ledger by ${ledgerSums.get(key) ?? 0}`);
    chains.delete(key);
  }
  for (const key of chains.keys()) problems.push(`${key}: events for a level that does not exist`);
  return { events: counts, problems };
}

/** Sequences every committed event, then expects the books of these shops to balance (readStockEventBooks). */
export async function expectStockEventBooks(database: Database, shopIds: readonly string[]): Promise<StockEventBooks> {
  await sequenceStockEvents({ db: database });
  const books = await readStockEventBooks(database.pool, shopIds);
  expect(books.problems).toEqual([]);
  return books;
}
