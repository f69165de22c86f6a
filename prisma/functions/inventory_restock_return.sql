CREATE OR REPLACE FUNCTION public.inventory_restock_return(p_shop text, p_refund_id text, p_hold_id text, p_lines jsonb, p_actor text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  v_lines jsonb;
BEGIN
  -- Puts a return's units back at the locations they were sold from: each
  -- line [{sku, variantKey, location, quantity}] adds to that location's
  -- quantity, to the shop's online total when the location counts online
  -- (an inactive or offline location keeps them off sale until an operator
  -- moves them), and writes a `return` ledger entry with the refund id as its
  -- reference. The caller holds the variants' stock rows (inventory_lock). A
  -- location the shop no longer has takes the units at main; a variant that
  -- no longer exists is skipped. Returns the lines restocked, with the
  -- location that took them.
  INSERT INTO "StockLocation" ("shopId", code, name, "updatedAt") VALUES (p_shop, 'main', 'Main warehouse', p_now)
  ON CONFLICT DO NOTHING;
  -- Shared locks on the locations named, after the stock rows, as inventory_write_levels takes them: a location going
  -- on or offline waits for this restock, or this restock for it.
  PERFORM 1 FROM "StockLocation"
  WHERE "shopId" = p_shop AND code IN (SELECT l->>'location' FROM jsonb_array_elements(p_lines) l UNION SELECT 'main')
  ORDER BY code COLLATE "C" FOR SHARE;
  WITH wanted AS (
    SELECT l->>'sku' AS sku, l->>'variantKey' AS key,
           coalesce(s.code, 'main') AS location, sum((l->>'quantity')::int)::int AS qty, min(x.ord) AS ord
    FROM jsonb_array_elements(p_lines) WITH ORDINALITY AS x(l, ord)
    LEFT JOIN "StockLocation" s ON s."shopId" = p_shop AND s.code = l->>'location'
    WHERE (l->>'quantity')::int > 0
    GROUP BY 1, 2, 3
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object('sku', w.sku, 'variantKey', w.key, 'location', w.location,
           'quantity', w.qty, 'online', s.active AND s."fulfilsOnline") ORDER BY w.ord, w.location COLLATE "C"), '[]'::jsonb)
  INTO v_lines
  FROM wanted w
  JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = w.sku AND i."variantKey" = w.key
  JOIN "StockLocation" s ON s."shopId" = p_shop AND s.code = w.location;
  IF jsonb_array_length(v_lines) = 0 THEN
    RETURN v_lines;
  END IF;

  INSERT INTO "InventoryLevel" ("shopId", sku, "variantKey", location, quantity, reserved, "updatedAt")
  SELECT p_shop, l->>'sku', l->>'variantKey', l->>'location', 0, 0, p_now FROM jsonb_array_elements(v_lines) l
  ON CONFLICT ("shopId", sku, "variantKey", location) DO NOTHING;
  WITH levels AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity + (l->>'quantity')::int, "updatedAt" = p_now
    FROM jsonb_array_elements(v_lines) WITH ORDINALITY AS x(l, ord)
    WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = l->>'location'
    RETURNING lv.sku, lv."variantKey", lv.location, lv.quantity, (l->>'quantity')::int AS qty, x.ord
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, "holdId", actor, note, reference, "createdAt")
  SELECT p_shop, sku, "variantKey", location, qty, quantity, 'return', p_hold_id, p_actor, 'refund ' || p_refund_id, p_refund_id, p_now
  FROM levels ORDER BY ord;
  UPDATE "InventoryItem" i SET quantity = i.quantity + t.qty, version = i.version + 1, "updatedAt" = p_now
  FROM (SELECT l->>'sku' AS sku, l->>'variantKey' AS key, sum((l->>'quantity')::int)::int AS qty
        FROM jsonb_array_elements(v_lines) l WHERE (l->>'online')::boolean GROUP BY 1, 2) t
  WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t.key;
  RETURN (SELECT jsonb_agg(l - 'online') FROM jsonb_array_elements(v_lines) l);
END;
$function$;
