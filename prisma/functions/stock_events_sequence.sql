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
