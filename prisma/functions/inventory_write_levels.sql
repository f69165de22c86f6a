CREATE OR REPLACE FUNCTION public.inventory_write_levels(p_shop text, p_rows jsonb, p_reason text, p_actor text, p_note text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
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
  v_row jsonb;
  v_ord bigint;
  v_level record;
  v_online boolean;
  v_exists boolean;
  v_next bigint;
  v_delta bigint;
  v_errors jsonb := '[]';
  v_out jsonb := '[]';
  v_writes jsonb := '[]';
  v_seen jsonb := '{}';
  v_key text;
BEGIN
  PERFORM set_config('acme.locations', 'on', true);
  -- Main is every shop's default location: it exists as soon as the shop keeps stock.
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_rows) r WHERE r->>'location' = 'main') THEN
    INSERT INTO "StockLocation" ("shopId", code, name, "updatedAt") VALUES (p_shop, 'main', 'Main warehouse', p_now)
    ON CONFLICT DO NOTHING;
  END IF;
  PERFORM inventory_lock(p_shop, NULL, '{}',
    ARRAY(SELECT r->>'sku' FROM jsonb_array_elements(p_rows) r), ARRAY(SELECT r->>'variantKey' FROM jsonb_array_elements(p_rows) r), false);

  FOR v_row, v_ord IN SELECT value, ord FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS r(value, ord) ORDER BY ord LOOP
    -- Shared lock: a location going on or offline (inventory_update_location) waits for this write, or this write
    -- for it, even for a variant created in this transaction, which that change's stock locks cannot cover.
    SELECT active AND "fulfilsOnline" INTO v_online FROM "StockLocation" WHERE "shopId" = p_shop AND code = v_row->>'location'
    FOR SHARE;
    IF NOT FOUND THEN
      v_errors := v_errors || jsonb_build_array(jsonb_build_object('index', v_ord - 1, 'field', 'location',
        'message', 'is not a location of shop ' || p_shop, 'location', v_row->>'location'));
      CONTINUE;
    END IF;
    v_key := (v_row->>'sku') || chr(31) || (v_row->>'variantKey') || chr(31) || (v_row->>'location');
    IF v_seen ? v_key THEN
      -- A second row for the same variant and location starts from the first one's result.
      v_level := NULL;
      SELECT (v_seen->v_key->>'quantity')::int AS quantity, (v_seen->v_key->>'reserved')::int AS reserved INTO v_level;
      v_exists := true;
    ELSE
      SELECT quantity, reserved INTO v_level FROM "InventoryLevel"
      WHERE "shopId" = p_shop AND sku = v_row->>'sku' AND "variantKey" = v_row->>'variantKey' AND location = v_row->>'location';
      v_exists := FOUND;
      IF NOT v_exists THEN
        SELECT 0 AS quantity, 0 AS reserved INTO v_level;
      END IF;
    END IF;
    IF v_row ? 'delta' THEN
      v_next := v_level.quantity::bigint + (v_row->>'delta')::bigint;
    ELSE
      v_next := (v_row->>'quantity')::bigint;
    END IF;
    v_delta := v_next - v_level.quantity;
    IF v_next < 0 THEN
      v_errors := v_errors || jsonb_build_array(jsonb_build_object('index', v_ord - 1, 'field', CASE WHEN v_row ? 'delta' THEN 'delta' ELSE 'quantity' END,
        'message', 'would take ' || (v_row->>'sku') || ' at ' || (v_row->>'location') || ' below zero (on hand there: ' || v_level.quantity || ')',
        'quantity', v_level.quantity, 'reserved', v_level.reserved, 'reason', 'negative'));
    ELSIF v_next > 1000000000 THEN
      v_errors := v_errors || jsonb_build_array(jsonb_build_object('index', v_ord - 1, 'field', CASE WHEN v_row ? 'delta' THEN 'delta' ELSE 'quantity' END,
        'message', 'would take ' || (v_row->>'sku') || ' at ' || (v_row->>'location') || ' above 1000000000',
        'quantity', v_level.quantity, 'reserved', v_level.reserved, 'reason', 'too_large'));
    ELSIF v_next < v_level.reserved THEN
      v_errors := v_errors || jsonb_build_array(jsonb_build_object('index', v_ord - 1, 'field', CASE WHEN v_row ? 'delta' THEN 'delta' ELSE 'quantity' END,
        'message', v_next || ' is below the ' || v_level.reserved || ' units held by active checkouts at ' || (v_row->>'location'),
        'quantity', v_level.quantity, 'reserved', v_level.reserved, 'reason', 'held'));
    ELSE
      v_seen := v_seen || jsonb_build_object(v_key, jsonb_build_object('quantity', v_next, 'reserved', v_level.reserved));
      v_out := v_out || jsonb_build_array(jsonb_build_object('index', v_ord - 1, 'quantity', v_next, 'delta', v_delta));
      IF v_delta <> 0 THEN
        v_writes := v_writes || jsonb_build_array(jsonb_build_object('sku', v_row->>'sku', 'variantKey', v_row->>'variantKey',
          'location', v_row->>'location', 'quantity', v_next, 'delta', v_delta, 'online', v_online, 'ord', v_ord));
      END IF;
    END IF;
  END LOOP;
  IF jsonb_array_length(v_errors) > 0 THEN
    RETURN jsonb_build_object('errors', v_errors);
  END IF;

  IF jsonb_array_length(v_writes) > 0 THEN
    INSERT INTO "InventoryLevel" AS lv ("shopId", sku, "variantKey", location, quantity, reserved, "updatedAt")
    SELECT DISTINCT ON (w->>'sku', w->>'variantKey', w->>'location') p_shop, w->>'sku', w->>'variantKey', w->>'location', 0, 0, p_now
    FROM jsonb_array_elements(v_writes) w
    ON CONFLICT ("shopId", sku, "variantKey", location) DO NOTHING;
    UPDATE "InventoryLevel" lv SET quantity = t.quantity, "updatedAt" = p_now
    FROM (SELECT DISTINCT ON (w->>'sku', w->>'variantKey', w->>'location') w->>'sku' AS sku, w->>'variantKey' AS key,
                 w->>'location' AS location, (w->>'quantity')::int AS quantity
          FROM jsonb_array_elements(v_writes) w ORDER BY w->>'sku', w->>'variantKey', w->>'location', (w->>'ord')::bigint DESC) t
    WHERE lv."shopId" = p_shop AND lv.sku = t.sku AND lv."variantKey" = t.key AND lv.location = t.location;
    UPDATE "InventoryItem" i SET quantity = i.quantity + t.delta, version = i.version + 1, "updatedAt" = p_now
    FROM (SELECT w->>'sku' AS sku, w->>'variantKey' AS key,
                 sum(CASE WHEN (w->>'online')::boolean THEN (w->>'delta')::int ELSE 0 END)::int AS delta
          FROM jsonb_array_elements(v_writes) w GROUP BY 1, 2) t
    WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t.key;
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor, note, "createdAt")
    SELECT p_shop, w->>'sku', w->>'variantKey', w->>'location', (w->>'delta')::int, (w->>'quantity')::int, p_reason, p_actor, p_note, p_now
    FROM jsonb_array_elements(v_writes) WITH ORDINALITY AS x(w, ord) ORDER BY x.ord;
  END IF;
  RETURN jsonb_build_object('rows', v_out);
END;
$function$;
