CREATE OR REPLACE FUNCTION public.inventory_create_hold(p_shop text, p_hold_id text, p_idempotency_key text, p_fingerprint text, p_expires_at timestamp with time zone, p_now timestamp with time zone, p_skus text[], p_keys text[], p_quantities integer[], p_product_ids text[], p_attributes jsonb[], p_release_expired boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_existing record;
  v_short jsonb;
  v_has_expired boolean := false;
  v_lines integer := cardinality(p_skus);
  v_found integer;
BEGIN
  IF p_idempotency_key IS NOT NULL THEN
    -- Requests with the same key queue here, so the second one always sees
    -- the first one's hold (READ COMMITTED: the lookup below runs after it).
    PERFORM pg_advisory_xact_lock(hashtextextended(p_shop || ':' || p_idempotency_key, 7317));
    SELECT id, "expiresAt", status, "requestFingerprint" INTO v_existing FROM "InventoryHold"
    WHERE "shopId" = p_shop AND "idempotencyKey" = p_idempotency_key;
    IF FOUND THEN
      RETURN jsonb_build_object('outcome', 'existing', 'holdId', v_existing.id,
        'expiresAt', v_existing."expiresAt", 'status', v_existing.status,
        'sameRequest', v_existing."requestFingerprint" IS NOT DISTINCT FROM p_fingerprint);
    END IF;
  END IF;

  IF p_release_expired THEN
    PERFORM inventory_expire_holds_on(p_shop, p_skus, p_keys, p_now);
  END IF;

  -- Lock this cart's stock rows in the global order, then check every line.
  PERFORM inventory_lock_stock(p_shop, p_skus, p_keys);
  v_short := inventory_shortfall(p_shop, p_skus, p_keys, p_quantities);

  IF jsonb_array_length(v_short) > 0 THEN
    IF NOT p_release_expired THEN
      v_has_expired := inventory_has_expired_holds(p_shop, p_skus, p_keys, p_now);
    END IF;
    RETURN jsonb_build_object('outcome', 'insufficient', 'insufficient', v_short, 'hasExpiredHolds', v_has_expired);
  END IF;

  UPDATE "InventoryItem" i SET reserved = i.reserved + l.qty, "updatedAt" = p_now
  FROM unnest(p_skus, p_keys, p_quantities) AS l(sku, key, qty)
  WHERE i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key;
  GET DIAGNOSTICS v_found = ROW_COUNT;
  IF v_found <> v_lines THEN
    RAISE EXCEPTION 'inventory_create_hold: expected % stock rows, updated %', v_lines, v_found;
  END IF;

  -- No unique-key race is possible here: same-key requests queue on the advisory lock above.
  INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt", "idempotencyKey", "requestFingerprint")
  VALUES (p_hold_id, p_shop, 'active', p_expires_at, p_now, p_now, p_idempotency_key, p_fingerprint);

  INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity)
  SELECT p_hold_id || ':' || l.ord, p_hold_id, p_shop, l.sku, coalesce(l.product, i."productId"), l.key,
         coalesce(l.attrs, i."variantAttributes"), l.qty
  FROM unnest(p_skus, p_keys, p_quantities, p_product_ids, p_attributes) WITH ORDINALITY AS l(sku, key, qty, product, attrs, ord)
  JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key;

  RETURN jsonb_build_object('outcome', 'created', 'holdId', p_hold_id, 'expiresAt', p_expires_at, 'status', 'active');
END;
$function$;
