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
