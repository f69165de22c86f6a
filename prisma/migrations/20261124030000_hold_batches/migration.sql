-- Grants many hold requests of one shop in one transaction, first come first
-- served, each with its own answer. One hot row costs a transaction (a WAL
-- flush and a lock hand-over) per commit, not per unit, so a batch of N
-- requests costs about what one does.
--
-- p_requests: [{"holdId", "idempotencyKey"?, "fingerprint"?, "expiresAt",
--               "lines": [{"sku", "variantKey", "quantity", "productId"?, "variantAttributes"?}]}]
-- Lines of one request are distinct variants. Returns one result per request,
-- in order, shaped like inventory_create_hold's.
CREATE FUNCTION inventory_create_holds_batch(p_shop text, p_requests jsonb, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_request jsonb;
  v_results jsonb[] := '{}';
  v_existing record;
  v_key text;
  v_skus text[];
  v_keys text[];
  v_qtys integer[];
  v_short jsonb;
BEGIN
  -- Same order as the single path: idempotency keys, then stock rows.
  PERFORM pg_advisory_xact_lock(hashtextextended(p_shop || ':' || k.key, 7317))
  FROM (
    SELECT DISTINCT r->>'idempotencyKey' AS key FROM jsonb_array_elements(p_requests) r
    WHERE r->>'idempotencyKey' IS NOT NULL ORDER BY 1
  ) k;

  PERFORM 1 FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (
    SELECT l->>'sku', l->>'variantKey' FROM jsonb_array_elements(p_requests) r, jsonb_array_elements(r->'lines') l)
  ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C"
  FOR UPDATE OF i;

  FOR v_request IN SELECT value FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS r(value, ord) ORDER BY ord LOOP
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
    END IF;

    SELECT array_agg(l->>'sku' ORDER BY ord), array_agg(l->>'variantKey' ORDER BY ord), array_agg((l->>'quantity')::int ORDER BY ord)
    INTO v_skus, v_keys, v_qtys
    FROM jsonb_array_elements(v_request->'lines') WITH ORDINALITY AS x(l, ord);

    -- Earlier grants in this batch are visible here: first come, first served.
    v_short := inventory_shortfall(p_shop, v_skus, v_keys, v_qtys);
    IF jsonb_array_length(v_short) > 0 THEN
      v_results := array_append(v_results, jsonb_build_object('outcome', 'insufficient', 'insufficient', v_short,
        'hasExpiredHolds', inventory_has_expired_holds(p_shop, v_skus, v_keys, p_now)));
      CONTINUE;
    END IF;

    UPDATE "InventoryItem" i SET reserved = i.reserved + l.qty, "updatedAt" = p_now
    FROM unnest(v_skus, v_keys, v_qtys) AS l(sku, key, qty)
    WHERE i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key;

    INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt", "idempotencyKey", "requestFingerprint")
    VALUES (v_request->>'holdId', p_shop, 'active', (v_request->>'expiresAt')::timestamptz, p_now, p_now, v_key, v_request->>'fingerprint');

    INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity)
    SELECT (v_request->>'holdId') || ':' || x.ord, v_request->>'holdId', p_shop, x.l->>'sku',
           coalesce(x.l->>'productId', i."productId"), x.l->>'variantKey', coalesce(x.l->'variantAttributes', i."variantAttributes"),
           (x.l->>'quantity')::int
    FROM jsonb_array_elements(v_request->'lines') WITH ORDINALITY AS x(l, ord)
    JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = x.l->>'sku' AND i."variantKey" = x.l->>'variantKey';

    v_results := array_append(v_results, jsonb_build_object('outcome', 'created', 'holdId', v_request->>'holdId',
      'expiresAt', (v_request->>'expiresAt')::timestamptz, 'status', 'active'));
  END LOOP;
  RETURN to_jsonb(v_results);
END;
$$;
