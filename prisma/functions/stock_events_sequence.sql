CREATE OR REPLACE FUNCTION public.stock_events_sequence(p_shop text, p_limit integer)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
  -- Gives committed, unsequenced events of one shop their sequence numbers
  -- (the shop's next, in id order) and, for changes of quantity, their ledger
  -- entry and its reason. One sequencer per shop at a time (the shop's
  -- StockEventShop row is locked), so numbers are gap-free and never reused.
  -- Events of one variant are committed in id order (ids are drawn under the
  -- variant's row lock) and a later one is never visible before an earlier
  -- one, so sequence order is commit order per variant. Returns how many
  -- events it sequenced (at most p_limit).
  v_last bigint;
  v_count integer := 0;
  v_ledger bigint;
  v_reason text;
  v_used bigint[] := '{}';
  r record;
BEGIN
  INSERT INTO "StockEventShop" ("shopId", "lastSeq") VALUES (p_shop, 0) ON CONFLICT DO NOTHING;
  SELECT "lastSeq" INTO v_last FROM "StockEventShop" WHERE "shopId" = p_shop FOR UPDATE;
  FOR r IN
    SELECT * FROM "StockEvent" WHERE "shopId" = p_shop AND seq IS NULL ORDER BY id LIMIT greatest(p_limit, 1)
  LOOP
    v_ledger := NULL;
    v_reason := r.reason;
    IF r."ledgerFloor" IS NOT NULL THEN
      -- The transaction's own ledger rows for this variant come right after the floor (later writers waited for its
      -- row lock), so this reads a few rows, not the variant's history.
      SELECT l.id, l.reason INTO v_ledger, v_reason FROM "StockLedgerEntry" l
      WHERE l."shopId" = r."shopId" AND l.sku = r.sku AND l."variantKey" = r."variantKey" AND l.id > r."ledgerFloor"
        AND l.txid = r.txid AND l.location = r.location AND l."quantityAfter" = r."quantityAfter"
        AND l.delta = r."quantityAfter" - r."quantityBefore" AND NOT (l.id = ANY (v_used))
      ORDER BY l.id LIMIT 1;
      IF v_ledger IS NULL THEN
        v_reason := r.reason;
      ELSE
        v_used := v_used || v_ledger;
      END IF;
    END IF;
    v_last := v_last + 1;
    v_count := v_count + 1;
    UPDATE "StockEvent" SET seq = v_last, reason = v_reason, "ledgerEntryId" = v_ledger, "sequencedAt" = clock_timestamp()
    WHERE id = r.id;
  END LOOP;
  IF v_count > 0 THEN
    UPDATE "StockEventShop" SET "lastSeq" = v_last, "sequencedAt" = clock_timestamp() WHERE "shopId" = p_shop;
  END IF;
  RETURN v_count;
END;
$function$;
