CREATE OR REPLACE FUNCTION public.inventory_level_events()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- The outbox of stock events: one StockEvent row per location level whose
  -- quantity or reserved units a statement changed, written in the changing
  -- transaction (so none is lost and a rolled-back change leaves none), while
  -- the level's row lock is held (so ids of one variant's events follow its
  -- commit order). One INSERT per statement, not per row: a hold batch of
  -- hundreds of buyers on one variant writes one event. The reason of a change
  -- of quantity is its ledger entry's, found when the event is sequenced
  -- (stock_events_sequence) from ledgerFloor, the variant's last ledger row
  -- not written by this transaction; a change of reserved alone is a hold, or
  -- a release or expiry as inventory_settle_holds says in acme.stock_reason.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "StockEvent" ("shopId", sku, "variantKey", location, reason,
      "quantityBefore", "quantityAfter", "reservedBefore", "reservedAfter", "ledgerFloor")
    SELECT n."shopId", n.sku, n."variantKey", n.location,
      CASE WHEN n.quantity <> 0 THEN 'adjustment' ELSE 'hold' END,
      0, n.quantity, 0, n.reserved,
      CASE WHEN n.quantity <> 0 THEN coalesce((
        SELECT l.id FROM "StockLedgerEntry" l
        WHERE l."shopId" = n."shopId" AND l.sku = n.sku AND l."variantKey" = n."variantKey"
          AND l.txid IS DISTINCT FROM pg_current_xact_id()
        ORDER BY l.id DESC LIMIT 1), 0) END
    FROM new_levels n
    WHERE n.quantity <> 0 OR n.reserved <> 0
    ORDER BY n."shopId", n.sku COLLATE "C", n."variantKey" COLLATE "C", n.location COLLATE "C";
  ELSE
    INSERT INTO "StockEvent" ("shopId", sku, "variantKey", location, reason,
      "quantityBefore", "quantityAfter", "reservedBefore", "reservedAfter", "ledgerFloor")
    SELECT n."shopId", n.sku, n."variantKey", n.location,
      CASE WHEN n.quantity <> o.quantity THEN 'adjustment'
           WHEN n.reserved > o.reserved THEN 'hold'
           WHEN current_setting('acme.stock_reason', true) = 'expiry' THEN 'expiry'
           ELSE 'release' END,
      o.quantity, n.quantity, o.reserved, n.reserved,
      CASE WHEN n.quantity <> o.quantity THEN coalesce((
        SELECT l.id FROM "StockLedgerEntry" l
        WHERE l."shopId" = n."shopId" AND l.sku = n.sku AND l."variantKey" = n."variantKey"
          AND l.txid IS DISTINCT FROM pg_current_xact_id()
        ORDER BY l.id DESC LIMIT 1), 0) END
    FROM new_levels n JOIN old_levels o
      ON o."shopId" = n."shopId" AND o.sku = n.sku AND o."variantKey" = n."variantKey" AND o.location = n.location
    WHERE n.quantity <> o.quantity OR n.reserved <> o.reserved
    ORDER BY n."shopId", n.sku COLLATE "C", n."variantKey" COLLATE "C", n.location COLLATE "C";
  END IF;
  RETURN NULL;
END;
$function$;
