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
  -- the same statement and no earlier event took (every ledger writer holds
  -- the variant's stock row lock, so they come after ledgerFloor, the
  -- variant's last ledger row of another transaction: a few rows are read).
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
      -- The variant's newest rows through the (shopId, sku, variantKey, id) index: ordered by the whole index, which
      -- only it gives, so neither the primary key (past other variants' rows) nor the shop's createdAt index (every
      -- row of the shop, for each variant of an import) is walked instead, whatever the planner guesses.
      SELECT c.*, CASE WHEN c.qa <> c.qb THEN coalesce((
        SELECT l.id FROM "StockLedgerEntry" l
        WHERE l."shopId" = c."shopId" AND l.sku = c.sku AND l."variantKey" = c."variantKey"
          AND l.txid IS DISTINCT FROM pg_current_xact_id()
        ORDER BY l."shopId" DESC, l.sku DESC, l."variantKey" DESC, l.id DESC LIMIT 1), 0) END AS floor
      FROM changed c
    ), parts AS (
      SELECT f.*, l.id AS ledger_id, l.reason AS ledger_reason, l.delta,
             count(l.id) OVER w AS parts, row_number() OVER (w ORDER BY l.id) AS part,
             sum(l.delta) OVER (w ORDER BY l.id) AS cum, sum(l.delta) OVER w AS total
      FROM floors f LEFT JOIN LATERAL (
        -- The variant's rows after the floor, one index step at a time (each step ordered by the whole index, so
        -- no other index can serve it), while they are this transaction's.
        WITH RECURSIVE walk AS (
          (SELECT l.id, l.txid, l.location, l.reason, l.delta, l."shopId", l.sku, l."variantKey" FROM "StockLedgerEntry" l
           WHERE f.floor IS NOT NULL AND l."shopId" = f."shopId" AND l.sku = f.sku AND l."variantKey" = f."variantKey"
             AND l.id > f.floor
           ORDER BY l."shopId", l.sku, l."variantKey", l.id LIMIT 1)
          UNION ALL
          SELECT s.* FROM walk w CROSS JOIN LATERAL (
            SELECT l.id, l.txid, l.location, l.reason, l.delta, l."shopId", l.sku, l."variantKey" FROM "StockLedgerEntry" l
            WHERE l."shopId" = w."shopId" AND l.sku = w.sku AND l."variantKey" = w."variantKey" AND l.id > w.id
            ORDER BY l."shopId", l.sku, l."variantKey", l.id LIMIT 1) s
          WHERE w.txid = pg_current_xact_id() AND (w."shopId", w.sku, w."variantKey") = (f."shopId", f.sku, f."variantKey")
        )
        SELECT w.id, w.reason, w.delta FROM walk w
        WHERE (w."shopId", w.sku, w."variantKey") = (f."shopId", f.sku, f."variantKey")
          AND w.txid = pg_current_xact_id() AND w.location = f.location AND w.delta <> 0
          AND NOT EXISTS (SELECT 1 FROM "StockEvent" e WHERE e."ledgerEntryId" = w.id)
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
      -- The variant's newest rows through the (shopId, sku, variantKey, id) index: ordered by the whole index, which
      -- only it gives, so neither the primary key (past other variants' rows) nor the shop's createdAt index (every
      -- row of the shop, for each variant of an import) is walked instead, whatever the planner guesses.
      SELECT c.*, CASE WHEN c.qa <> c.qb THEN coalesce((
        SELECT l.id FROM "StockLedgerEntry" l
        WHERE l."shopId" = c."shopId" AND l.sku = c.sku AND l."variantKey" = c."variantKey"
          AND l.txid IS DISTINCT FROM pg_current_xact_id()
        ORDER BY l."shopId" DESC, l.sku DESC, l."variantKey" DESC, l.id DESC LIMIT 1), 0) END AS floor
      FROM changed c
    ), parts AS (
      SELECT f.*, l.id AS ledger_id, l.reason AS ledger_reason, l.delta,
             count(l.id) OVER w AS parts, row_number() OVER (w ORDER BY l.id) AS part,
             sum(l.delta) OVER (w ORDER BY l.id) AS cum, sum(l.delta) OVER w AS total
      FROM floors f LEFT JOIN LATERAL (
        -- The variant's rows after the floor, one index step at a time (each step ordered by the whole index, so
        -- no other index can serve it), while they are this transaction's.
        WITH RECURSIVE walk AS (
          (SELECT l.id, l.txid, l.location, l.reason, l.delta, l."shopId", l.sku, l."variantKey" FROM "StockLedgerEntry" l
           WHERE f.floor IS NOT NULL AND l."shopId" = f."shopId" AND l.sku = f.sku AND l."variantKey" = f."variantKey"
             AND l.id > f.floor
           ORDER BY l."shopId", l.sku, l."variantKey", l.id LIMIT 1)
          UNION ALL
          SELECT s.* FROM walk w CROSS JOIN LATERAL (
            SELECT l.id, l.txid, l.location, l.reason, l.delta, l."shopId", l.sku, l."variantKey" FROM "StockLedgerEntry" l
            WHERE l."shopId" = w."shopId" AND l.sku = w.sku AND l."variantKey" = w."variantKey" AND l.id > w.id
            ORDER BY l."shopId", l.sku, l."variantKey", l.id LIMIT 1) s
          WHERE w.txid = pg_current_xact_id() AND (w."shopId", w.sku, w."variantKey") = (f."shopId", f.sku, f."variantKey")
        )
        SELECT w.id, w.reason, w.delta FROM walk w
        WHERE (w."shopId", w.sku, w."variantKey") = (f."shopId", f.sku, f."variantKey")
          AND w.txid = pg_current_xact_id() AND w.location = f.location AND w.delta <> 0
          AND NOT EXISTS (SELECT 1 FROM "StockEvent" e WHERE e."ledgerEntryId" = w.id)
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
