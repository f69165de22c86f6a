CREATE OR REPLACE FUNCTION public.inventory_create_holds_batch(p_shop text, p_requests jsonb, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_request jsonb;
  v_ord bigint;
  v_line jsonb;
  v_results jsonb[] := '{}';
  v_granted bigint[] := '{}';
  v_existing record;
  v_key text;
  v_avail jsonb;
  v_variant text;
  v_left integer;
  v_ok boolean;
  v_short jsonb;
  v_any_expired boolean;
  v_skus text[];
  v_keys text[];
  v_line_skus text[];
  v_line_keys text[];
  v_line_count integer;
  v_i integer;
BEGIN
  -- The idempotency keys first (the global lock order, inventory_lock):
  -- requests with the same key queue here, so the second always sees the
  -- first one's hold.
  PERFORM inventory_lock(p_shop, ARRAY(SELECT r->>'idempotencyKey' FROM jsonb_array_elements(p_requests) r), '{}', '{}', '{}', false);

  -- Every distinct variant the batch asks for.
  SELECT array_agg(d.sku), array_agg(d.key) INTO v_skus, v_keys
  FROM (
    SELECT DISTINCT l->>'sku' AS sku, l->>'variantKey' AS key
    FROM jsonb_array_elements(p_requests) r, jsonb_array_elements(r->'lines') l
  ) d;

  -- Expired holds on these variants never block a buyer: expire them here,
  -- before any request is decided. Holds a concurrent settlement has locked
  -- are skipped; a request they leave short is answered hasExpiredHolds, and
  -- the store asks once more.
  v_any_expired := inventory_has_expired_holds(p_shop, v_skus, v_keys, p_now);
  IF v_any_expired THEN
    PERFORM inventory_expire_holds_on(p_shop, v_skus, v_keys, p_now);
    v_any_expired := inventory_has_expired_holds(p_shop, v_skus, v_keys, p_now);
  END IF;

  -- Lock every stock row any request touches and read what is available.
  -- Keys join sku and variant key with U+001F, which neither may contain.
  PERFORM inventory_lock(p_shop, NULL, '{}', v_skus, v_keys, false);
  SELECT coalesce(jsonb_object_agg(i.sku || chr(31) || i."variantKey", i.quantity - i.reserved), '{}'::jsonb)
  INTO v_avail
  FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (SELECT * FROM unnest(v_skus, v_keys));

  FOR v_request, v_ord IN SELECT value, ord FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS r(value, ord) ORDER BY ord LOOP
    v_key := v_request->>'idempotencyKey';
    IF v_key IS NOT NULL THEN
      SELECT id, "expiresAt", status, "requestFingerprint" INTO v_existing FROM "InventoryHold"
      WHERE "shopId" = p_shop AND "idempotencyKey" = v_key;
      IF FOUND THEN
        v_results := array_append(v_results, jsonb_build_object('outcome', 'existing', 'holdId', v_existing.id,
          'expiresAt', v_existing."expiresAt", 'status', v_existing.status,
          'sameRequest', v_existing."requestFingerprint" IS NOT DISTINCT FROM (v_request->>'fingerprint')));
        CONTINUE;
      END IF;
      -- A later request in this batch with the same key sees this one as existing.
      IF EXISTS (SELECT 1 FROM unnest(v_granted) g WHERE p_requests->(g - 1)::int->>'idempotencyKey' = v_key) THEN
        SELECT g INTO v_existing FROM unnest(v_granted) g WHERE p_requests->(g - 1)::int->>'idempotencyKey' = v_key LIMIT 1;
        v_results := array_append(v_results, jsonb_build_object('outcome', 'existing',
          'holdId', p_requests->(v_existing.g - 1)::int->>'holdId', 'expiresAt', (p_requests->(v_existing.g - 1)::int->>'expiresAt')::timestamptz,
          'status', 'active', 'sameRequest', (p_requests->(v_existing.g - 1)::int->>'fingerprint') IS NOT DISTINCT FROM (v_request->>'fingerprint')));
        CONTINUE;
      END IF;
    END IF;

    v_ok := true;
    v_line_count := jsonb_array_length(v_request->'lines');
    -- Lines are walked by index, not with a query per request (each query costs an executor start).
    FOR v_i IN 0 .. v_line_count - 1 LOOP
      v_line := v_request->'lines'->v_i;
      v_left := (v_avail->>((v_line->>'sku') || chr(31) || (v_line->>'variantKey')))::int;
      IF v_left IS NULL OR v_left < (v_line->>'quantity')::int THEN
        v_ok := false;
        EXIT;
      END IF;
    END LOOP;

    IF v_ok THEN
      FOR v_i IN 0 .. v_line_count - 1 LOOP
        v_line := v_request->'lines'->v_i;
        v_variant := (v_line->>'sku') || chr(31) || (v_line->>'variantKey');
        v_avail := jsonb_set(v_avail, ARRAY[v_variant], to_jsonb((v_avail->>v_variant)::int - (v_line->>'quantity')::int));
      END LOOP;
      v_granted := array_append(v_granted, v_ord);
      v_results := array_append(v_results, jsonb_build_object('outcome', 'created', 'holdId', v_request->>'holdId',
        'expiresAt', (v_request->>'expiresAt')::timestamptz, 'status', 'active'));
    ELSE
      SELECT coalesce(jsonb_agg(jsonb_build_object('sku', l->>'sku', 'variantKey', l->>'variantKey', 'requested', (l->>'quantity')::int,
               'available', greatest(coalesce((v_avail->>((l->>'sku') || chr(31) || (l->>'variantKey')))::int, 0), 0))), '[]'::jsonb)
      INTO v_short
      FROM jsonb_array_elements(v_request->'lines') l
      WHERE coalesce((v_avail->>((l->>'sku') || chr(31) || (l->>'variantKey')))::int, 0) < (l->>'quantity')::int;
      IF v_any_expired THEN
        SELECT array_agg(l->>'sku'), array_agg(l->>'variantKey') INTO v_line_skus, v_line_keys FROM jsonb_array_elements(v_request->'lines') l;
      END IF;
      v_results := array_append(v_results, jsonb_build_object('outcome', 'insufficient', 'insufficient', v_short,
        'hasExpiredHolds', v_any_expired AND inventory_has_expired_holds(p_shop, v_line_skus, v_line_keys, p_now)));
    END IF;
  END LOOP;

  IF cardinality(v_granted) > 0 THEN
    WITH granted AS (
      SELECT p_requests->(g - 1)::int AS request FROM unnest(v_granted) g
    ), lines AS (
      SELECT request->>'holdId' AS hold_id, l.value AS line, l.ord
      FROM granted, jsonb_array_elements(request->'lines') WITH ORDINALITY AS l(value, ord)
    ), holds AS (
      INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt", "idempotencyKey", "requestFingerprint")
      SELECT request->>'holdId', p_shop, 'active', (request->>'expiresAt')::timestamptz, p_now, p_now,
             request->>'idempotencyKey', request->>'fingerprint'
      FROM granted
      RETURNING id
    ), items AS (
      INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity)
      SELECT lines.hold_id || ':' || lines.ord, lines.hold_id, p_shop, lines.line->>'sku',
             coalesce(lines.line->>'productId', i."productId"), lines.line->>'variantKey',
             coalesce(lines.line->'variantAttributes', i."variantAttributes"), (lines.line->>'quantity')::int
      FROM lines JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = lines.line->>'sku' AND i."variantKey" = lines.line->>'variantKey'
      RETURNING 1
    )
    UPDATE "InventoryItem" i SET reserved = i.reserved + t.qty, "updatedAt" = p_now
    FROM (
      SELECT line->>'sku' AS sku, line->>'variantKey' AS key, sum((line->>'quantity')::int)::int AS qty
      FROM lines GROUP BY 1, 2
    ) t
    WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t.key
      AND (SELECT count(*) FROM holds) >= 0 AND (SELECT count(*) FROM items) >= 0;
  END IF;
  RETURN to_jsonb(v_results);
END;
$function$;
