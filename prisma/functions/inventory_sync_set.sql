CREATE OR REPLACE FUNCTION public.inventory_sync_set(p_shop text, p_integration text, p_key text, p_fingerprint text, p_lines jsonb, p_atomic boolean, p_reason text, p_reference text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  -- One sync API request (inventorySetQuantities), whole, in the caller's one
  -- statement. p_lines: [{sku, variantKey, location, quantity, compareQuantity?,
  -- compareVersion?}], validated (no variant and location twice). Steps:
  -- (1) claim the idempotency key: the SyncRequest row is inserted first, so a
  --     concurrent duplicate waits on it, then finds it and replays the answer
  --     ({replayed: true, status, response}), or is told the key was used for
  --     another body ({reused: true}). A key older than 24 h is free again.
  -- (2) lapsed holds on the variants expire and their stock rows are locked
  --     (inventory_expire_holds_on, inventory_lock's order); the locations
  --     named are share-locked as inventory_write_levels does.
  -- (3) every line is decided on what is there now: not_found,
  --     unknown_location, compare_failed (compareQuantity against the
  --     location's quantity, compareVersion against the item's version, both
  --     as they were before this request), below_held, unchanged, or applied.
  -- (4) unless p_atomic and a line was refused, the applied lines go through
  --     inventory_write_levels (levels, online totals, versions, one ledger
  --     entry each with reason sync), and the entries written get p_reference.
  -- (5) the answer is stored on the key's row and returned:
  --     {replayed: false, status, response}.
  v_claimed boolean;
  v_prior record;
  v_locations jsonb;
  v_items jsonb;
  v_levels jsonb;
  v_line jsonb;
  v_ord bigint;
  v_ref text;
  v_key text;
  v_quantity integer;
  v_reserved integer;
  v_version integer;
  v_error jsonb;
  v_decided jsonb[] := '{}';
  v_writes jsonb[] := '{}';
  v_refused integer := 0;
  v_applied integer := 0;
  v_unchanged integer := 0;
  v_written jsonb;
  v_before bigint;
  v_ledger jsonb := '{}';
  v_after jsonb := '{}';
  v_lines jsonb[] := '{}';
  v_status integer;
  v_response jsonb;
BEGIN
  -- (1) The key. ON CONFLICT waits for a transaction that holds the same key, then sees its committed row.
  INSERT INTO "SyncRequest" AS s ("integrationId", "idempotencyKey", fingerprint, status, response, "createdAt")
  VALUES (p_integration, p_key, p_fingerprint, 0, 'null', p_now)
  ON CONFLICT ("integrationId", "idempotencyKey") DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, status = 0, response = 'null', "createdAt" = EXCLUDED."createdAt"
    WHERE s."createdAt" <= p_now - interval '24 hours'
  RETURNING true INTO v_claimed;
  IF v_claimed IS NULL THEN
    SELECT * INTO v_prior FROM "SyncRequest" WHERE "integrationId" = p_integration AND "idempotencyKey" = p_key;
    IF v_prior.fingerprint <> p_fingerprint THEN
      RETURN jsonb_build_object('reused', true, 'createdAt', v_prior."createdAt");
    END IF;
    RETURN jsonb_build_object('replayed', true, 'status', v_prior.status, 'response', v_prior.response);
  END IF;

  -- (2) Lapsed holds never keep a line below what is held; this also locks the variants' stock rows.
  PERFORM inventory_expire_holds_on(p_shop,
    ARRAY(SELECT l->>'sku' FROM jsonb_array_elements(p_lines) l),
    ARRAY(SELECT l->>'variantKey' FROM jsonb_array_elements(p_lines) l), p_now);
  SELECT coalesce(jsonb_object_agg(l.code, true), '{}') INTO v_locations
  FROM (SELECT code FROM "StockLocation"
        WHERE "shopId" = p_shop AND code IN (SELECT DISTINCT l->>'location' FROM jsonb_array_elements(p_lines) l)
        ORDER BY code COLLATE "C" FOR SHARE) l;
  -- Items and levels keyed sku U+001F variant key (U+001F location).
  SELECT coalesce(jsonb_object_agg(i.sku || chr(31) || i."variantKey", i.version), '{}') INTO v_items
  FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (
    SELECT l->>'sku', l->>'variantKey' FROM jsonb_array_elements(p_lines) l);
  SELECT coalesce(jsonb_object_agg(lv.sku || chr(31) || lv."variantKey" || chr(31) || lv.location,
           jsonb_build_array(lv.quantity, lv.reserved)), '{}') INTO v_levels
  FROM "InventoryLevel" lv
  WHERE lv."shopId" = p_shop AND (lv.sku, lv."variantKey", lv.location) IN (
    SELECT l->>'sku', l->>'variantKey', l->>'location' FROM jsonb_array_elements(p_lines) l);

  -- (3) Each line on its own.
  FOR v_line, v_ord IN SELECT value, ord FROM jsonb_array_elements(p_lines) WITH ORDINALITY AS l(value, ord) ORDER BY ord LOOP
    v_ref := (v_line->>'sku') || chr(31) || (v_line->>'variantKey');
    v_key := v_ref || chr(31) || (v_line->>'location');
    v_version := (v_items->>v_ref)::int;
    v_quantity := coalesce((v_levels->v_key->>0)::int, 0);
    v_reserved := coalesce((v_levels->v_key->>1)::int, 0);
    v_error := NULL;
    IF v_version IS NULL THEN
      v_error := jsonb_build_object('code', 'not_found',
        'message', 'shop ' || p_shop || ' has no variant ' || (v_line->>'sku') ||
          CASE WHEN v_line->>'variantKey' = '' THEN '' ELSE ' (' || (v_line->>'variantKey') || ')' END);
      v_quantity := NULL;
    ELSIF NOT v_locations ? (v_line->>'location') THEN
      v_error := jsonb_build_object('code', 'unknown_location',
        'message', (v_line->>'location') || ' is not a location of shop ' || p_shop);
      v_quantity := NULL;
    ELSIF v_line ? 'compareQuantity' AND (v_line->>'compareQuantity')::int <> v_quantity THEN
      v_error := jsonb_build_object('code', 'compare_failed',
        'message', 'compareQuantity is ' || (v_line->>'compareQuantity') || ' but the quantity at ' ||
          (v_line->>'location') || ' is ' || v_quantity,
        'quantity', v_quantity, 'version', v_version);
    ELSIF v_line ? 'compareVersion' AND (v_line->>'compareVersion')::int <> v_version THEN
      v_error := jsonb_build_object('code', 'compare_failed',
        'message', 'compareVersion is ' || (v_line->>'compareVersion') || ' but the version is ' || v_version,
        'quantity', v_quantity, 'version', v_version);
    ELSIF (v_line->>'quantity')::int < v_reserved THEN
      v_error := jsonb_build_object('code', 'below_held',
        'message', (v_line->>'quantity') || ' is below the ' || v_reserved || ' units held by active checkouts at ' ||
          (v_line->>'location'),
        'held', v_reserved, 'quantity', v_quantity, 'version', v_version);
    END IF;
    IF v_error IS NOT NULL THEN
      v_refused := v_refused + 1;
      v_decided := array_append(v_decided, jsonb_build_object('outcome', 'refused', 'previousQuantity', v_quantity,
        'version', v_version, 'error', v_error));
    ELSIF (v_line->>'quantity')::int = v_quantity THEN
      v_unchanged := v_unchanged + 1;
      v_decided := array_append(v_decided, jsonb_build_object('outcome', 'unchanged', 'previousQuantity', v_quantity));
    ELSE
      v_applied := v_applied + 1;
      v_decided := array_append(v_decided, jsonb_build_object('outcome', 'applied', 'previousQuantity', v_quantity));
      v_writes := array_append(v_writes, jsonb_build_object('sku', v_line->>'sku', 'variantKey', v_line->>'variantKey',
        'location', v_line->>'location', 'quantity', (v_line->>'quantity')::int));
    END IF;
  END LOOP;

  IF p_atomic AND v_refused > 0 THEN
    -- All or nothing: every line is refused, those that would have gone through with not_applied.
    FOR v_line, v_ord IN SELECT value, ord FROM jsonb_array_elements(p_lines) WITH ORDINALITY AS l(value, ord) ORDER BY ord LOOP
      v_error := v_decided[v_ord];
      IF v_error->>'outcome' <> 'refused' THEN
        v_error := jsonb_build_object('outcome', 'refused', 'previousQuantity', v_error->'previousQuantity',
          'version', (v_items->>((v_line->>'sku') || chr(31) || (v_line->>'variantKey')))::int,
          'error', jsonb_build_object('code', 'not_applied', 'message', 'another line was refused and the request is atomic'));
      END IF;
      v_lines := array_append(v_lines, jsonb_build_object('index', v_ord - 1, 'sku', v_line->>'sku',
        'variantKey', v_line->>'variantKey', 'location', v_line->>'location', 'quantity', (v_line->>'quantity')::int) || v_error);
    END LOOP;
    v_status := 409;
    v_response := jsonb_build_object('code', 'conflict',
      'message', v_refused || ' of ' || jsonb_array_length(p_lines) || ' lines were refused; the request is atomic, so nothing was applied.',
      'applied', 0, 'refused', jsonb_array_length(p_lines), 'unchanged', 0, 'lines', to_jsonb(v_lines));
  ELSE
    -- (4) The writes: one inventory_write_levels call, which re-checks each row under the same locks.
    IF cardinality(v_writes) > 0 THEN
      SELECT coalesce(max(id), 0) INTO v_before FROM "StockLedgerEntry";
      v_written := inventory_write_levels(p_shop, to_jsonb(v_writes), 'sync', 'integration:' || p_integration, p_reason, p_now);
      IF v_written ? 'errors' THEN
        RAISE EXCEPTION 'inventory_sync_set: inventory_write_levels refused a checked row: %', v_written->'errors';
      END IF;
      -- inventory_write_levels takes no reference: the entries this transaction just wrote for these variants get it.
      WITH tagged AS (
        UPDATE "StockLedgerEntry" e SET reference = p_reference
        WHERE e."shopId" = p_shop AND e.id > v_before AND e.txid = pg_current_xact_id() AND e.reason = 'sync'
          AND (e.sku, e."variantKey") IN (SELECT w->>'sku', w->>'variantKey' FROM unnest(v_writes) w)
        RETURNING e.id, e.sku, e."variantKey", e.location)
      SELECT coalesce(jsonb_object_agg(t.sku || chr(31) || t."variantKey" || chr(31) || t.location, t.id), '{}')
      INTO v_ledger FROM tagged t;
    END IF;
    SELECT coalesce(jsonb_object_agg(i.sku || chr(31) || i."variantKey", i.version), '{}') INTO v_after
    FROM "InventoryItem" i
    WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (
      SELECT l->>'sku', l->>'variantKey' FROM jsonb_array_elements(p_lines) l);
    FOR v_line, v_ord IN SELECT value, ord FROM jsonb_array_elements(p_lines) WITH ORDINALITY AS l(value, ord) ORDER BY ord LOOP
      v_ref := (v_line->>'sku') || chr(31) || (v_line->>'variantKey');
      v_key := v_ref || chr(31) || (v_line->>'location');
      v_error := v_decided[v_ord];
      IF v_error->>'outcome' <> 'refused' THEN
        v_error := v_error || jsonb_build_object('version', (v_after->>v_ref)::int);
      END IF;
      IF v_error->>'outcome' = 'applied' THEN
        v_error := v_error || jsonb_build_object('ledgerEntryId', v_ledger->>v_key);
      END IF;
      v_lines := array_append(v_lines, jsonb_build_object('index', v_ord - 1, 'sku', v_line->>'sku',
        'variantKey', v_line->>'variantKey', 'location', v_line->>'location', 'quantity', (v_line->>'quantity')::int) || v_error);
    END LOOP;
    v_status := 200;
    v_response := jsonb_build_object('applied', v_applied, 'refused', v_refused, 'unchanged', v_unchanged,
      'lines', to_jsonb(v_lines));
  END IF;

  -- (5) The answer a repeat of this key replays.
  UPDATE "SyncRequest" SET status = v_status, response = v_response
  WHERE "integrationId" = p_integration AND "idempotencyKey" = p_key;
  RETURN jsonb_build_object('replayed', false, 'status', v_status, 'response', v_response, 'applied', v_applied);
END;
$function$;
