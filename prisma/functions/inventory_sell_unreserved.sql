CREATE OR REPLACE FUNCTION public.inventory_sell_unreserved(p_shop text, p_hold_id text, p_skus text[], p_keys text[], p_quantities integer[], p_actor text, p_note text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  v_short jsonb;
  v_locations text[];
  v_levels jsonb;
  v_alloc jsonb;
  v_lines jsonb;
  v_items jsonb;
BEGIN
  -- Sells units nobody holds (a payment whose hold lapsed, a checkout that
  -- held nothing): allocated from the shop's online locations by its
  -- strategy, like a hold, and written onto the hold's lines, which then say
  -- where the units came from. Returns the shortfall, or [] when sold.
  -- One line per variant: a variant named twice is checked, allocated and written as one.
  SELECT coalesce(array_agg(m.sku ORDER BY m.first), '{}'), coalesce(array_agg(m.key ORDER BY m.first), '{}'),
         coalesce(array_agg(m.qty ORDER BY m.first), '{}')
  INTO p_skus, p_keys, p_quantities
  FROM (SELECT l.sku, l.key, sum(l.qty)::int AS qty, min(l.ord) AS first
        FROM unnest(p_skus, p_keys, p_quantities) WITH ORDINALITY AS l(sku, key, qty, ord) GROUP BY 1, 2) m;
  PERFORM inventory_lock(p_shop, NULL, '{}', p_skus, p_keys, false);
  v_short := inventory_shortfall(p_shop, p_skus, p_keys, p_quantities);
  IF jsonb_array_length(v_short) > 0 THEN
    RETURN v_short;
  END IF;

  v_locations := ARRAY(SELECT code FROM "StockLocation" WHERE "shopId" = p_shop AND active AND "fulfilsOnline"
                       ORDER BY priority, code COLLATE "C");
  SELECT coalesce(jsonb_object_agg(lv.sku || chr(31) || lv."variantKey" || chr(31) || lv.location, lv.quantity - lv.reserved), '{}'::jsonb)
  INTO v_levels
  FROM "InventoryLevel" lv
  WHERE lv."shopId" = p_shop AND lv.location = ANY (v_locations)
    AND (lv.sku, lv."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys));
  SELECT jsonb_agg(jsonb_build_object('sku', l.sku, 'variantKey', l.key, 'quantity', l.qty) ORDER BY l.ord) INTO v_lines
  FROM unnest(p_skus, p_keys, p_quantities) WITH ORDINALITY AS l(sku, key, qty, ord);
  v_alloc := inventory_allocate(v_lines, v_levels, v_locations,
    coalesce((SELECT strategy FROM "ShopAllocationPolicy" WHERE "shopId" = p_shop), 'fewest_locations'));
  IF v_alloc IS NULL THEN
    -- The shop's total covers the lines, so this cannot happen while the books balance; refuse rather than guess.
    RAISE EXCEPTION 'inventory_sell_unreserved: no allocation for hold % although the shop has the units', p_hold_id;
  END IF;

  WITH parts AS (
    SELECT v_lines->((a.value->>'i')::int)->>'sku' AS sku, v_lines->((a.value->>'i')::int)->>'variantKey' AS key,
           a.value->>'location' AS location, (a.value->>'quantity')::int AS qty, a.ord
    FROM jsonb_array_elements(v_alloc) WITH ORDINALITY AS a(value, ord)
  ), levels AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity - p.qty, "updatedAt" = p_now
    FROM parts p
    WHERE lv."shopId" = p_shop AND lv.sku = p.sku AND lv."variantKey" = p.key AND lv.location = p.location
    RETURNING lv.sku, lv."variantKey", lv.location, lv.quantity, p.qty, p.ord
  ), ledger AS (
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, "holdId", actor, note, "createdAt")
    SELECT p_shop, levels.sku, levels."variantKey", levels.location, -levels.qty, levels.quantity, 'sale', p_hold_id, p_actor, p_note, p_now
    FROM levels ORDER BY levels.ord
    RETURNING 1
  )
  UPDATE "InventoryItem" i SET quantity = i.quantity - l.qty, version = i.version + 1, "updatedAt" = p_now
  FROM unnest(p_skus, p_keys, p_quantities) AS l(sku, key, qty)
  WHERE i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key AND (SELECT count(*) FROM ledger) >= 0;

  -- The hold's lines now say where its units came from.
  SELECT jsonb_object_agg(hi.sku || chr(31) || hi."variantKey", jsonb_build_object('productId', hi."productId", 'attrs', hi."variantAttributes"))
  INTO v_items FROM "InventoryHoldItem" hi WHERE hi."holdId" = p_hold_id;
  DELETE FROM "InventoryHoldItem" WHERE "holdId" = p_hold_id;
  INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity, location)
  SELECT p_hold_id || ':s' || a.ord, p_hold_id, p_shop, l->>'sku',
         coalesce(v_items->((l->>'sku') || chr(31) || (l->>'variantKey'))->>'productId', i."productId", l->>'sku'), l->>'variantKey',
         coalesce(v_items->((l->>'sku') || chr(31) || (l->>'variantKey'))->'attrs', i."variantAttributes", '{}'::jsonb),
         (a.value->>'quantity')::int, a.value->>'location'
  FROM jsonb_array_elements(v_alloc) WITH ORDINALITY AS a(value, ord)
  CROSS JOIN LATERAL (SELECT v_lines->((a.value->>'i')::int) AS l) x
  LEFT JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = x.l->>'sku' AND i."variantKey" = x.l->>'variantKey';
  RETURN '[]'::jsonb;
END;
$function$;
