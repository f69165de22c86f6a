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
