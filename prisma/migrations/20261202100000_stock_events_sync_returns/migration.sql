-- Stock that flows in and out (docs/stock-events.md, docs/sync-api.md,
-- docs/returns.md):
-- 1. An outbox of stock events. Triggers on InventoryLevel write one
--    StockEvent row per changed level in the changing transaction;
--    stock_events_sequence later numbers each shop's committed events and
--    links each change of quantity to its ledger entry. Subscriptions,
--    per-shop delivery cursors and a delivery log deliver them as signed
--    webhooks.
-- 2. Integrations (machines with a bearer token, scoped to shops) and their
--    idempotent sync requests; ledger rows carry the caller's reference.
-- 3. Paid checkouts with their lines and unit amounts, each shop's return
--    policy, and one StockReturn per Stripe refund (restocked once).
--
-- Runs while checkouts go on, as the locations migration does: it takes the
-- tables it alters or puts triggers on in the checkouts' lock order, trying
-- for at most 200 ms at a time. What it does under those locks is
-- metadata-only: two nullable ledger columns, new tables, triggers and
-- functions.

DO $$
DECLARE
  v_attempt integer := 0;
  -- What one try may wait, for all four tables together. Under half of deadlock_timeout: in a cycle (a checkout
  -- queued behind this while holding a table it still wants), this gives way before PostgreSQL's deadlock check could
  -- pick the checkout instead.
  v_budget interval := least(interval '200 milliseconds', current_setting('deadlock_timeout')::interval / 2);
  v_start timestamptz;
  v_table text;
BEGIN
  LOOP
    BEGIN
      v_start := clock_timestamp();
      -- The checkouts' order: hold rows (inventory_lock, the expiry checks), stock rows, hold lines, the ledger. In the
      -- other order, hold requests that took their hold rows while this waited for the stock rows queued behind it, and
      -- nearly every try ended in such a cycle under load (seconds to tens of seconds to get through).
      FOREACH v_table IN ARRAY ARRAY['InventoryHold', 'InventoryItem', 'InventoryLevel', 'InventoryHoldItem', 'StockLedgerEntry'] LOOP
        PERFORM set_config('lock_timeout',
          greatest(1, ceil(extract(epoch FROM v_budget - (clock_timestamp() - v_start)) * 1000))::int || 'ms', true);
        EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', v_table);
      END LOOP;
      EXIT;
    EXCEPTION WHEN lock_not_available THEN
      v_attempt := v_attempt + 1;
      IF v_attempt >= 100 THEN
        RAISE;
      END IF;
      PERFORM pg_sleep(0.02 * least(v_attempt, 10));
    END;
  END LOOP;
  PERFORM set_config('lock_timeout', '60s', true);
END;
$$;

-- The transaction that wrote a ledger row: how a stock event finds its ledger entry. Nullable and then given a
-- default, so existing rows are not rewritten (they stay NULL).
ALTER TABLE "StockLedgerEntry" ADD COLUMN "txid" xid8;
ALTER TABLE "StockLedgerEntry" ALTER COLUMN "txid" SET DEFAULT pg_current_xact_id();
-- What the writer gave as its own reference (an ERP document, a refund id).
ALTER TABLE "StockLedgerEntry" ADD COLUMN "reference" TEXT;
-- A transaction's own ledger rows of a variant: how its stock events find their ledger entries, in a few index
-- steps whatever the variant's history or the statement's size. The variant leads, so every condition is a key
-- (the planner cannot prefer the (shopId, sku, variantKey, id) index with txid as a filter, even when the
-- statistics say one transaction wrote most of the ledger). Rows written before stock events (txid NULL) are
-- not indexed; building it reads the ledger once, under the lock taken above.
CREATE INDEX "StockLedgerEntry_variant_txid_idx" ON "StockLedgerEntry"("shopId", "sku", "variantKey", "txid", "id")
WHERE "txid" IS NOT NULL;

-- CreateTable
CREATE TABLE "StockEvent" (
    "id" BIGSERIAL NOT NULL,
    "shopId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "variantKey" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "quantityBefore" INTEGER NOT NULL,
    "quantityAfter" INTEGER NOT NULL,
    "reservedBefore" INTEGER NOT NULL,
    "reservedAfter" INTEGER NOT NULL,
    "ledgerEntryId" BIGINT,
    "ledgerFloor" BIGINT,
    "txid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "seq" BIGINT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
    "sequencedAt" TIMESTAMPTZ(3),

    CONSTRAINT "StockEvent_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "StockEvent_shopId_seq_key" ON "StockEvent"("shopId", "seq");
-- What the sequencer reads: a shop's unsequenced events (few at any time).
CREATE INDEX "StockEvent_unsequenced_idx" ON "StockEvent"("shopId", "id") WHERE "seq" IS NULL;
-- A ledger entry belongs to at most one event (how the trigger and the sequencer tell a taken entry).
CREATE UNIQUE INDEX "StockEvent_ledgerEntryId_key" ON "StockEvent"("ledgerEntryId");

-- CreateTable
CREATE TABLE "StockEventShop" (
    "shopId" TEXT NOT NULL,
    "lastSeq" BIGINT NOT NULL,
    "sequencedAt" TIMESTAMPTZ(3),

    CONSTRAINT "StockEventShop_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "StockEventSubscription" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "shops" TEXT[],
    "kinds" TEXT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StockEventSubscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StockEventCursor" (
    "subscriptionId" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "deliveredSeq" BIGINT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL,
    "leaseUntil" TIMESTAMPTZ(3),
    "leaseId" TEXT,
    "lastError" TEXT,
    "lastAttemptAt" TIMESTAMPTZ(3),
    "lastSuccessAt" TIMESTAMPTZ(3),
    "alertedAt" TIMESTAMPTZ(3),

    CONSTRAINT "StockEventCursor_pkey" PRIMARY KEY ("subscriptionId", "shopId")
);
CREATE INDEX "StockEventCursor_nextAttemptAt_idx" ON "StockEventCursor"("nextAttemptAt");

-- CreateTable
CREATE TABLE "StockEventDelivery" (
    "id" BIGSERIAL NOT NULL,
    "subscriptionId" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "fromSeq" BIGINT NOT NULL,
    "toSeq" BIGINT NOT NULL,
    "events" INTEGER NOT NULL,
    "attempt" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "httpStatus" INTEGER,
    "error" TEXT,
    "durationMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StockEventDelivery_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "StockEventDelivery_subscriptionId_id_idx" ON "StockEventDelivery"("subscriptionId", "id");
CREATE INDEX "StockEventDelivery_createdAt_idx" ON "StockEventDelivery"("createdAt");

-- AddForeignKey
ALTER TABLE "StockEventCursor" ADD CONSTRAINT "StockEventCursor_subscriptionId_fkey" FOREIGN KEY ("subscriptionId") REFERENCES "StockEventSubscription"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "Integration" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "tokenPrefix" TEXT NOT NULL,
    "shops" TEXT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Integration_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Integration_tokenHash_key" ON "Integration"("tokenHash");

-- CreateTable
CREATE TABLE "SyncRequest" (
    "integrationId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "response" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncRequest_pkey" PRIMARY KEY ("integrationId", "idempotencyKey")
);
CREATE INDEX "SyncRequest_createdAt_idx" ON "SyncRequest"("createdAt");

-- CreateTable
CREATE TABLE "PaidCheckout" (
    "sessionId" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "holdId" TEXT,
    "paymentIntentId" TEXT,
    "currency" TEXT NOT NULL,
    "amountTotal" INTEGER NOT NULL,
    "lines" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PaidCheckout_pkey" PRIMARY KEY ("sessionId")
);
CREATE INDEX "PaidCheckout_paymentIntentId_idx" ON "PaidCheckout"("paymentIntentId");
CREATE INDEX "PaidCheckout_shopId_createdAt_idx" ON "PaidCheckout"("shopId", "createdAt");

-- CreateTable
CREATE TABLE "ShopReturnPolicy" (
    "shopId" TEXT NOT NULL,
    "policy" TEXT NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ShopReturnPolicy_pkey" PRIMARY KEY ("shopId"),
    CONSTRAINT "ShopReturnPolicy_policy_known" CHECK ("policy" IN ('restock', 'no_restock', 'ask'))
);

-- CreateTable
CREATE TABLE "StockReturn" (
    "refundId" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "paymentIntentId" TEXT,
    "amount" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "lines" JSONB NOT NULL,
    "note" TEXT,
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StockReturn_pkey" PRIMARY KEY ("refundId"),
    CONSTRAINT "StockReturn_status_known" CHECK ("status" IN ('restocked', 'not_restocked', 'pending', 'dismissed'))
);
CREATE INDEX "StockReturn_shopId_status_createdAt_idx" ON "StockReturn"("shopId", "status", "createdAt");
CREATE INDEX "StockReturn_sessionId_idx" ON "StockReturn"("sessionId");

CREATE OR REPLACE FUNCTION public.inventory_level_events()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- The outbox of stock events, written in the changing transaction (so none
  -- is lost and a rolled-back change leaves none) while the variant's stock
  -- row lock is held (so ids of one variant's events follow its commit order).
  -- One INSERT per statement, not per row: a hold batch of hundreds of buyers
  -- on one variant writes one event. A change of reserved alone is a hold, or
  -- a release or expiry as inventory_settle_holds says in acme.stock_reason.
  -- A change of quantity takes its reason and ledgerEntryId from the ledger
  -- rows this transaction wrote for that variant and location before or in
  -- the same statement and no earlier event took, read through the ledger's
  -- (shopId, sku, variantKey, txid, id) index (a few rows, whatever the
  -- variant's history or the statement's size).
  -- When several ledger rows make one change (a batch of sales, an edit
  -- naming a variant twice), it is one event per ledger row, each with its
  -- own figures. A change whose ledger rows do not add up to it (none yet, a
  -- writer that writes its ledger row afterwards) keeps reason adjustment and
  -- is linked when sequenced (stock_events_sequence).
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "StockEvent" ("shopId", sku, "variantKey", location, reason,
      "quantityBefore", "quantityAfter", "reservedBefore", "reservedAfter", "ledgerEntryId", "ledgerFloor")
    WITH changed AS (
      SELECT n."shopId", n.sku, n."variantKey", n.location, 0 AS qb, n.quantity AS qa, 0 AS rb, n.reserved AS ra
      FROM new_levels n WHERE n.quantity <> 0 OR n.reserved <> 0
    ), floors AS MATERIALIZED (
      -- A change of quantity is linked to its transaction's own ledger rows (ledgerFloor 0 marks one to link).
      SELECT c.*, CASE WHEN c.qa <> c.qb THEN 0::bigint END AS floor FROM changed c
    ), parts AS (
      SELECT f.*, l.id AS ledger_id, l.reason AS ledger_reason, l.delta,
             count(l.id) OVER w AS parts, row_number() OVER (w ORDER BY l.id) AS part,
             sum(l.delta) OVER (w ORDER BY l.id) AS cum, sum(l.delta) OVER w AS total
      FROM floors f LEFT JOIN LATERAL (
        -- This transaction's ledger rows for the variant at the location, through the (shopId, sku,
        -- variantKey, txid, id) index: exactly those rows, however long the variant's history or large the statement.
        SELECT l.id, l.reason, l.delta FROM "StockLedgerEntry" l
        WHERE f.floor IS NOT NULL AND l.txid = pg_current_xact_id() AND l."shopId" = f."shopId" AND l.sku = f.sku
          AND l."variantKey" = f."variantKey" AND l.location = f.location AND l.delta <> 0
          AND NOT EXISTS (SELECT 1 FROM "StockEvent" e WHERE e."ledgerEntryId" = l.id)
      ) l ON true
      WINDOW w AS (PARTITION BY f."shopId", f.sku, f."variantKey", f.location)
    ), decided AS (
      SELECT p.*, p.total IS NOT DISTINCT FROM p.qa - p.qb AND p.qa <> p.qb AS matched, p.ra - p.rb = p.qa - p.qb AS paired
      FROM parts p
    )
    SELECT r."shopId", r.sku, r."variantKey", r.location,
      CASE WHEN r.matched THEN r.ledger_reason WHEN r.qa <> r.qb THEN 'adjustment' ELSE 'hold' END,
      CASE WHEN r.matched THEN r.qb + r.cum - r.delta ELSE r.qb END,
      CASE WHEN r.matched THEN r.qb + r.cum ELSE r.qa END,
      CASE WHEN r.matched AND r.paired THEN r.rb + r.cum - r.delta ELSE r.rb END,
      CASE WHEN r.matched AND r.paired THEN r.rb + r.cum WHEN r.matched AND r.part < r.parts THEN r.rb ELSE r.ra END,
      CASE WHEN r.matched THEN r.ledger_id END,
      r.floor
    FROM decided r
    WHERE r.matched OR r.part = 1
    ORDER BY r."shopId", r.sku COLLATE "C", r."variantKey" COLLATE "C", r.location COLLATE "C", r.part;
  ELSIF NOT EXISTS (
    SELECT 1 FROM new_levels n JOIN old_levels o
      ON o."shopId" = n."shopId" AND o.sku = n.sku AND o."variantKey" = n."variantKey" AND o.location = n.location
    WHERE n.quantity <> o.quantity
  ) THEN
    -- Reserved units alone (the hold path: holds, releases, expiries): no ledger to read, and a statement cheap to plan.
    INSERT INTO "StockEvent" ("shopId", sku, "variantKey", location, reason,
      "quantityBefore", "quantityAfter", "reservedBefore", "reservedAfter")
    SELECT n."shopId", n.sku, n."variantKey", n.location,
      CASE WHEN n.reserved > o.reserved THEN 'hold'
           WHEN current_setting('acme.stock_reason', true) = 'expiry' THEN 'expiry'
           ELSE 'release' END,
      o.quantity, n.quantity, o.reserved, n.reserved
    FROM new_levels n JOIN old_levels o
      ON o."shopId" = n."shopId" AND o.sku = n.sku AND o."variantKey" = n."variantKey" AND o.location = n.location
    WHERE n.reserved <> o.reserved
    ORDER BY n."shopId", n.sku COLLATE "C", n."variantKey" COLLATE "C", n.location COLLATE "C";
  ELSE
    INSERT INTO "StockEvent" ("shopId", sku, "variantKey", location, reason,
      "quantityBefore", "quantityAfter", "reservedBefore", "reservedAfter", "ledgerEntryId", "ledgerFloor")
    WITH changed AS (
      SELECT n."shopId", n.sku, n."variantKey", n.location, o.quantity AS qb, n.quantity AS qa, o.reserved AS rb, n.reserved AS ra
      FROM new_levels n JOIN old_levels o
        ON o."shopId" = n."shopId" AND o.sku = n.sku AND o."variantKey" = n."variantKey" AND o.location = n.location
      WHERE n.quantity <> o.quantity OR n.reserved <> o.reserved
    ), floors AS MATERIALIZED (
      -- A change of quantity is linked to its transaction's own ledger rows (ledgerFloor 0 marks one to link).
      SELECT c.*, CASE WHEN c.qa <> c.qb THEN 0::bigint END AS floor FROM changed c
    ), parts AS (
      SELECT f.*, l.id AS ledger_id, l.reason AS ledger_reason, l.delta,
             count(l.id) OVER w AS parts, row_number() OVER (w ORDER BY l.id) AS part,
             sum(l.delta) OVER (w ORDER BY l.id) AS cum, sum(l.delta) OVER w AS total
      FROM floors f LEFT JOIN LATERAL (
        -- This transaction's ledger rows for the variant at the location, through the (shopId, sku,
        -- variantKey, txid, id) index: exactly those rows, however long the variant's history or large the statement.
        SELECT l.id, l.reason, l.delta FROM "StockLedgerEntry" l
        WHERE f.floor IS NOT NULL AND l.txid = pg_current_xact_id() AND l."shopId" = f."shopId" AND l.sku = f.sku
          AND l."variantKey" = f."variantKey" AND l.location = f.location AND l.delta <> 0
          AND NOT EXISTS (SELECT 1 FROM "StockEvent" e WHERE e."ledgerEntryId" = l.id)
      ) l ON true
      WINDOW w AS (PARTITION BY f."shopId", f.sku, f."variantKey", f.location)
    ), decided AS (
      SELECT p.*, p.total IS NOT DISTINCT FROM p.qa - p.qb AND p.qa <> p.qb AS matched, p.ra - p.rb = p.qa - p.qb AS paired
      FROM parts p
    )
    SELECT r."shopId", r.sku, r."variantKey", r.location,
      CASE WHEN r.matched THEN r.ledger_reason
           WHEN r.qa <> r.qb THEN 'adjustment'
           WHEN r.ra > r.rb THEN 'hold'
           WHEN current_setting('acme.stock_reason', true) = 'expiry' THEN 'expiry'
           ELSE 'release' END,
      CASE WHEN r.matched THEN r.qb + r.cum - r.delta ELSE r.qb END,
      CASE WHEN r.matched THEN r.qb + r.cum ELSE r.qa END,
      CASE WHEN r.matched AND r.paired THEN r.rb + r.cum - r.delta ELSE r.rb END,
      CASE WHEN r.matched AND r.paired THEN r.rb + r.cum WHEN r.matched AND r.part < r.parts THEN r.rb ELSE r.ra END,
      CASE WHEN r.matched THEN r.ledger_id END,
      r.floor
    FROM decided r
    WHERE r.matched OR r.part = 1
    ORDER BY r."shopId", r.sku COLLATE "C", r."variantKey" COLLATE "C", r.location COLLATE "C", r.part;
  END IF;
  RETURN NULL;
END;
$function$;

CREATE OR REPLACE FUNCTION public.stock_events_sequence(p_shop text, p_limit integer)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
  -- Gives committed, unsequenced events of one shop their sequence numbers:
  -- the shop's next, in id order. One sequencer per shop at a time (the
  -- shop's StockEventShop row is locked), so numbers are gap-free and never
  -- reused. Events of one variant are committed in id order (ids are drawn
  -- under the variant's stock row lock) and a later one is never visible
  -- before an earlier one, so sequence order is commit order per variant.
  -- A change of quantity the trigger could not link (its transaction wrote
  -- the ledger row after the change) is linked here: the first ledger row of
  -- its transaction for the variant, at its location, with its delta, that no
  -- event took (read through the ledger's (shopId, sku, variantKey, txid, id)
  -- index: a few rows, never the variant's history). Returns how many events
  -- it numbered (at most p_limit).
  v_last bigint;
  v_count integer;
  v_ids bigint[];
  v_row record;
  r record;
BEGIN
  INSERT INTO "StockEventShop" ("shopId", "lastSeq") VALUES (p_shop, 0) ON CONFLICT DO NOTHING;
  SELECT "lastSeq" INTO v_last FROM "StockEventShop" WHERE "shopId" = p_shop FOR UPDATE;
  -- The events to number, read once (one snapshot).
  SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_ids FROM (
    SELECT id FROM "StockEvent" WHERE "shopId" = p_shop AND seq IS NULL ORDER BY id LIMIT greatest(p_limit, 1)
  ) t;
  IF cardinality(v_ids) = 0 THEN
    RETURN 0;
  END IF;

  FOR r IN
    SELECT * FROM "StockEvent"
    WHERE id = ANY (v_ids) AND "ledgerEntryId" IS NULL AND "ledgerFloor" IS NOT NULL AND "quantityAfter" <> "quantityBefore"
    ORDER BY id
  LOOP
    -- Its transaction's ledger rows for the variant, through the (shopId, sku, variantKey, txid, id) index.
    SELECT l.id, l.reason INTO v_row FROM "StockLedgerEntry" l
    WHERE l.txid = r.txid AND l."shopId" = r."shopId" AND l.sku = r.sku AND l."variantKey" = r."variantKey"
      AND l.location = r.location AND l.delta = r."quantityAfter" - r."quantityBefore"
      AND NOT EXISTS (SELECT 1 FROM "StockEvent" e WHERE e."ledgerEntryId" = l.id)
    -- `+ 0`: ordered by id with a LIMIT, the planner would walk the primary key from the ledger's first row instead.
    ORDER BY l.id + 0 LIMIT 1;
    IF FOUND THEN
      UPDATE "StockEvent" SET "ledgerEntryId" = v_row.id, reason = v_row.reason WHERE id = r.id;
    END IF;
  END LOOP;

  UPDATE "StockEvent" e SET seq = v_last + n.rn, "sequencedAt" = clock_timestamp()
  FROM unnest(v_ids) WITH ORDINALITY AS n(id, rn)
  WHERE e.id = n.id;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  UPDATE "StockEventShop" SET "lastSeq" = v_last + v_count, "sequencedAt" = clock_timestamp() WHERE "shopId" = p_shop;
  RETURN v_count;
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_settle_holds(p_shop text, p_hold_ids text[], p_status text, p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  v_count integer;
  v_settled text[];
BEGIN
  -- Gives the units of active holds back (released or expired): the only way
  -- a hold's units return, to the locations they were reserved at. The
  -- caller has locked the holds and their stock rows (inventory_lock). Only
  -- holds still active give units back, so settling one twice is impossible.
  -- Expiring also re-checks the time, read after the lock: a hold extended
  -- meanwhile (a delayed payment, a longer TTL) is not expired.
  SELECT array_agg(id) INTO v_settled FROM "InventoryHold"
  WHERE "shopId" = p_shop AND id = ANY (p_hold_ids) AND status = 'active' AND (p_status <> 'expired' OR "expiresAt" <= p_now);
  IF v_settled IS NULL THEN
    RETURN 0;
  END IF;
  -- The stock events of the units given back say why (inventory_level_events).
  PERFORM set_config('acme.stock_reason', CASE WHEN p_status = 'expired' THEN 'expiry' ELSE 'release' END, true);

  UPDATE "InventoryLevel" lv SET reserved = lv.reserved - t.total, "updatedAt" = p_now
  FROM (
    SELECT hi.sku, hi."variantKey", hi.location, sum(hi.quantity)::int AS total
    FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (v_settled)
    GROUP BY 1, 2, 3
  ) t
  WHERE lv."shopId" = p_shop AND lv.sku = t.sku AND lv."variantKey" = t."variantKey" AND lv.location = t.location;

  UPDATE "InventoryItem" i SET reserved = i.reserved - t.total, "updatedAt" = p_now
  FROM (
    SELECT hi.sku, hi."variantKey", sum(hi.quantity)::int AS total
    FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (v_settled)
    GROUP BY 1, 2
  ) t
  WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t."variantKey";

  UPDATE "InventoryHold" h SET
    status = p_status,
    "releasedAt" = CASE WHEN p_status = 'released' THEN p_now ELSE h."releasedAt" END,
    "expiredAt" = CASE WHEN p_status = 'expired' THEN p_now ELSE h."expiredAt" END,
    "updatedAt" = p_now
  WHERE h.id = ANY (v_settled);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_write_levels(p_shop text, p_rows jsonb, p_reason text, p_actor text, p_note text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  -- Operator writes of quantity at locations (edits, imports, adjustments).
  -- p_rows: [{sku, variantKey, location, quantity}] (absolute) or
  -- [{sku, variantKey, location, delta}]; every variant exists. Locks the
  -- variants' stock rows (inventory_lock), then for each row sets the
  -- location's quantity, moves the shop's online total by the same delta
  -- when the location counts online, and writes a ledger entry per change.
  -- A row that would go below zero, below the units held there, or above
  -- 1,000,000,000, or names a location the shop does not have, is refused:
  -- the answer is {errors: [{index, field, message, ...}]} and nothing is
  -- written. Otherwise {rows: [{index, quantity, delta}]} in p_rows order.
  -- What each row needs is read once, up front (levels, locations), and the
  -- answers are gathered in arrays: the work grows with the rows, not with
  -- their square.
  v_row jsonb;
  v_ord bigint;
  v_quantity integer;
  v_reserved integer;
  v_online boolean;
  v_next bigint;
  v_delta bigint;
  v_errors jsonb[] := '{}';
  v_out jsonb[] := '{}';
  v_writes jsonb[] := '{}';
  v_levels jsonb;
  v_locations jsonb;
  v_repeated text[];
  v_seen jsonb := '{}';
  v_key text;
  v_field text;
BEGIN
  -- Main is every shop's default location: it exists as soon as the shop keeps stock.
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_rows) r WHERE r->>'location' = 'main') THEN
    INSERT INTO "StockLocation" ("shopId", code, name, "updatedAt") VALUES (p_shop, 'main', 'Main warehouse', p_now)
    ON CONFLICT DO NOTHING;
  END IF;
  PERFORM inventory_lock(p_shop, NULL, '{}',
    ARRAY(SELECT r->>'sku' FROM jsonb_array_elements(p_rows) r), ARRAY(SELECT r->>'variantKey' FROM jsonb_array_elements(p_rows) r), false);

  -- The locations named, and whether each counts online. Shared locks: a location going on or offline
  -- (inventory_update_location) waits for this write, or this write for it, even for a variant created in this
  -- transaction, which that change's stock locks cannot cover.
  SELECT coalesce(jsonb_object_agg(l.code, l.active AND l."fulfilsOnline"), '{}') INTO v_locations
  FROM (SELECT code, active, "fulfilsOnline" FROM "StockLocation"
        WHERE "shopId" = p_shop AND code IN (SELECT DISTINCT r->>'location' FROM jsonb_array_elements(p_rows) r)
        ORDER BY code COLLATE "C" FOR SHARE) l;
  -- Each variant and location's quantity and units held now, keyed sku U+001F variant key U+001F location.
  SELECT coalesce(jsonb_object_agg(lv.sku || chr(31) || lv."variantKey" || chr(31) || lv.location,
           jsonb_build_array(lv.quantity, lv.reserved)), '{}')
  INTO v_levels
  FROM "InventoryLevel" lv
  WHERE lv."shopId" = p_shop AND (lv.sku, lv."variantKey", lv.location) IN (
    SELECT r->>'sku', r->>'variantKey', r->>'location' FROM jsonb_array_elements(p_rows) r);
  -- Keys named by more than one row (edits may; imports never do).
  SELECT coalesce(array_agg(k), '{}') INTO v_repeated FROM (
    SELECT (r->>'sku') || chr(31) || (r->>'variantKey') || chr(31) || (r->>'location') AS k
    FROM jsonb_array_elements(p_rows) r GROUP BY 1 HAVING count(*) > 1) d;

  FOR v_row, v_ord IN SELECT value, ord FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS r(value, ord) ORDER BY ord LOOP
    v_online := (v_locations->>(v_row->>'location'))::boolean;
    IF v_online IS NULL THEN
      v_errors := array_append(v_errors, jsonb_build_object('index', v_ord - 1, 'field', 'location',
        'message', 'is not a location of shop ' || p_shop, 'location', v_row->>'location'));
      CONTINUE;
    END IF;
    v_key := (v_row->>'sku') || chr(31) || (v_row->>'variantKey') || chr(31) || (v_row->>'location');
    -- A second row for the same variant and location starts from the first one's result.
    IF v_seen ? v_key THEN
      v_quantity := (v_seen->v_key->>0)::int;
      v_reserved := (v_seen->v_key->>1)::int;
    ELSE
      v_quantity := coalesce((v_levels->v_key->>0)::int, 0);
      v_reserved := coalesce((v_levels->v_key->>1)::int, 0);
    END IF;
    IF v_row ? 'delta' THEN
      v_next := v_quantity::bigint + (v_row->>'delta')::bigint;
      v_field := 'delta';
    ELSE
      v_next := (v_row->>'quantity')::bigint;
      v_field := 'quantity';
    END IF;
    v_delta := v_next - v_quantity;
    IF v_next < 0 THEN
      v_errors := array_append(v_errors, jsonb_build_object('index', v_ord - 1, 'field', v_field,
        'message', 'would take ' || (v_row->>'sku') || ' at ' || (v_row->>'location') || ' below zero (on hand there: ' || v_quantity || ')',
        'quantity', v_quantity, 'reserved', v_reserved, 'reason', 'negative'));
    ELSIF v_next > 1000000000 THEN
      v_errors := array_append(v_errors, jsonb_build_object('index', v_ord - 1, 'field', v_field,
        'message', 'would take ' || (v_row->>'sku') || ' at ' || (v_row->>'location') || ' above 1000000000',
        'quantity', v_quantity, 'reserved', v_reserved, 'reason', 'too_large'));
    ELSIF v_next < v_reserved THEN
      v_errors := array_append(v_errors, jsonb_build_object('index', v_ord - 1, 'field', v_field,
        'message', v_next || ' is below the ' || v_reserved || ' units held by active checkouts at ' || (v_row->>'location'),
        'quantity', v_quantity, 'reserved', v_reserved, 'reason', 'held'));
    ELSE
      IF v_key = ANY (v_repeated) THEN
        v_seen := v_seen || jsonb_build_object(v_key, jsonb_build_array(v_next, v_reserved));
      END IF;
      v_out := array_append(v_out, jsonb_build_object('index', v_ord - 1, 'quantity', v_next, 'delta', v_delta));
      IF v_delta <> 0 THEN
        v_writes := array_append(v_writes, jsonb_build_object('sku', v_row->>'sku', 'variantKey', v_row->>'variantKey',
          'location', v_row->>'location', 'quantity', v_next, 'delta', v_delta, 'online', v_online, 'ord', v_ord));
      END IF;
    END IF;
  END LOOP;
  IF cardinality(v_errors) > 0 THEN
    RETURN jsonb_build_object('errors', to_jsonb(v_errors));
  END IF;

  IF cardinality(v_writes) > 0 THEN
    -- The ledger first: the levels' stock events (inventory_level_events) find their entries as they are written.
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor, note, "createdAt")
    SELECT p_shop, w->>'sku', w->>'variantKey', w->>'location', (w->>'delta')::int, (w->>'quantity')::int, p_reason, p_actor, p_note, p_now
    FROM unnest(v_writes) WITH ORDINALITY AS x(w, ord) ORDER BY x.ord;
    INSERT INTO "InventoryLevel" AS lv ("shopId", sku, "variantKey", location, quantity, reserved, "updatedAt")
    SELECT DISTINCT ON (w->>'sku', w->>'variantKey', w->>'location') p_shop, w->>'sku', w->>'variantKey', w->>'location', 0, 0, p_now
    FROM unnest(v_writes) w
    ON CONFLICT ("shopId", sku, "variantKey", location) DO NOTHING;
    UPDATE "InventoryLevel" lv SET quantity = t.quantity, "updatedAt" = p_now
    FROM (SELECT DISTINCT ON (w->>'sku', w->>'variantKey', w->>'location') w->>'sku' AS sku, w->>'variantKey' AS key,
                 w->>'location' AS location, (w->>'quantity')::int AS quantity
          FROM unnest(v_writes) w ORDER BY w->>'sku', w->>'variantKey', w->>'location', (w->>'ord')::bigint DESC) t
    WHERE lv."shopId" = p_shop AND lv.sku = t.sku AND lv."variantKey" = t.key AND lv.location = t.location;
    UPDATE "InventoryItem" i SET quantity = i.quantity + t.delta, version = i.version + 1, "updatedAt" = p_now
    FROM (SELECT w->>'sku' AS sku, w->>'variantKey' AS key,
                 sum(CASE WHEN (w->>'online')::boolean THEN (w->>'delta')::int ELSE 0 END)::int AS delta
          FROM unnest(v_writes) w GROUP BY 1, 2) t
    WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t.key;
  END IF;
  RETURN jsonb_build_object('rows', to_jsonb(v_out));
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_update_location(p_shop text, p_code text, p_name text, p_kind text, p_active boolean, p_fulfils_online boolean, p_priority integer, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  -- Changes a location; NULL arguments keep what it has. When it starts or
  -- stops counting online (active and fulfilling online orders), the shop's
  -- online totals move by its quantities, under the lock of every stock row
  -- of the shop, so no hold decides meanwhile. A location stops counting
  -- online only when nothing is held there: {outcome: 'held', held} otherwise.
  -- A change of active or fulfilsOnline is decided under those locks, on
  -- the row as it is then (a concurrent change may have come first); when
  -- neither changes as read, they are not written, so a concurrent change
  -- is never undone.
  v_loc record;
  v_was boolean;
  v_will boolean;
  v_held bigint;
  v_flags boolean;
BEGIN
  SELECT * INTO v_loc FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_code;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  v_flags := coalesce(p_active, v_loc.active) <> v_loc.active
    OR coalesce(p_fulfils_online, v_loc."fulfilsOnline") <> v_loc."fulfilsOnline";
  IF v_flags THEN
    PERFORM inventory_lock(p_shop, NULL, '{}', NULL, NULL, false);
    SELECT * INTO v_loc FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_code FOR UPDATE;
  END IF;
  v_was := v_loc.active AND v_loc."fulfilsOnline";
  v_will := CASE WHEN v_flags THEN coalesce(p_active, v_loc.active) AND coalesce(p_fulfils_online, v_loc."fulfilsOnline")
            ELSE v_was END;
  IF v_was <> v_will THEN
    IF NOT v_will THEN
      -- Lapsed holds never block: those with units here expire first (one another transaction has locked is left to
      -- it, and still counts as held).
      PERFORM inventory_settle_holds(p_shop, ARRAY(
        SELECT h.id FROM "InventoryHold" h
        WHERE h."shopId" = p_shop AND h.status = 'active' AND h."expiresAt" <= p_now
          AND EXISTS (SELECT 1 FROM "InventoryHoldItem" hi WHERE hi."holdId" = h.id AND hi.location = p_code)
        ORDER BY h.id FOR UPDATE SKIP LOCKED), 'expired', p_now);
      SELECT coalesce(sum(reserved), 0) INTO v_held FROM "InventoryLevel" WHERE "shopId" = p_shop AND location = p_code;
      IF v_held > 0 THEN
        RETURN jsonb_build_object('outcome', 'held', 'held', v_held);
      END IF;
    END IF;
    UPDATE "InventoryItem" i SET quantity = i.quantity + CASE WHEN v_will THEN lv.quantity ELSE -lv.quantity END,
      version = i.version + 1, "updatedAt" = p_now
    FROM "InventoryLevel" lv
    WHERE lv."shopId" = p_shop AND lv.location = p_code AND lv.quantity > 0
      AND i."shopId" = p_shop AND i.sku = lv.sku AND i."variantKey" = lv."variantKey";
    -- Its stock joins or leaves what the shop sells: one stock event per variant kept there (the level's own figures
    -- do not change, so inventory_level_events does not see it).
    INSERT INTO "StockEvent" ("shopId", sku, "variantKey", location, reason,
      "quantityBefore", "quantityAfter", "reservedBefore", "reservedAfter")
    SELECT lv."shopId", lv.sku, lv."variantKey", lv.location, CASE WHEN v_will THEN 'location_online' ELSE 'location_offline' END,
      lv.quantity, lv.quantity, lv.reserved, lv.reserved
    FROM "InventoryLevel" lv
    WHERE lv."shopId" = p_shop AND lv.location = p_code AND (lv.quantity > 0 OR lv.reserved > 0)
    ORDER BY lv.sku COLLATE "C", lv."variantKey" COLLATE "C";
  END IF;
  UPDATE "StockLocation" SET name = coalesce(p_name, name), kind = coalesce(p_kind, kind),
    active = CASE WHEN v_flags THEN coalesce(p_active, active) ELSE active END,
    "fulfilsOnline" = CASE WHEN v_flags THEN coalesce(p_fulfils_online, "fulfilsOnline") ELSE "fulfilsOnline" END,
    priority = coalesce(p_priority, priority), "updatedAt" = p_now
  WHERE "shopId" = p_shop AND code = p_code;
  RETURN jsonb_build_object('outcome', 'updated', 'online', v_will, 'wasOnline', v_was);
END;
$function$;

-- One event per changed level, per statement (transition tables).
CREATE TRIGGER "InventoryLevel_events_insert"
AFTER INSERT ON "InventoryLevel"
REFERENCING NEW TABLE AS new_levels
FOR EACH STATEMENT EXECUTE FUNCTION inventory_level_events();

CREATE TRIGGER "InventoryLevel_events_update"
AFTER UPDATE ON "InventoryLevel"
REFERENCING OLD TABLE AS old_levels NEW TABLE AS new_levels
FOR EACH STATEMENT EXECUTE FUNCTION inventory_level_events();
