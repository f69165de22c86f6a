-- Stock hold transitions as SQL functions: each is one round trip, locks rows
-- in one global order (hold rows first, then stock rows sorted by sku and
-- variant key under the "C" collation) and never reads-then-writes across
-- round trips. Callers pass `now` so that expiry is decided by one clock.

-- Locks a shop's stock rows for the given variants, in the global order.
CREATE FUNCTION inventory_lock_stock(p_shop text, p_skus text[], p_keys text[])
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys))
  ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C"
  FOR UPDATE OF i;
END;
$$;

-- The lines whose available stock (quantity - reserved) does not cover the
-- request, as [{sku, variantKey, requested, available}]; [] when all do.
-- Call it after locking the rows, so the answer holds until commit.
CREATE FUNCTION inventory_shortfall(p_shop text, p_skus text[], p_keys text[], p_quantities integer[])
RETURNS jsonb
LANGUAGE sql AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object(
      'sku', l.sku, 'variantKey', l.key, 'requested', l.qty,
      'available', greatest(coalesce(i.quantity - i.reserved, 0), 0)) ORDER BY l.ord), '[]'::jsonb)
  FROM unnest(p_skus, p_keys, p_quantities) WITH ORDINALITY AS l(sku, key, qty, ord)
  LEFT JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key
  WHERE i.sku IS NULL OR i.quantity - i.reserved < l.qty;
$$;

-- Whether active holds past their expiry (not reaped yet) hold any of these
-- variants. Starts from the few expired holds (partial index on active
-- holds), not from the many hold lines of a hot variant.
CREATE FUNCTION inventory_has_expired_holds(p_shop text, p_skus text[], p_keys text[], p_now timestamptz)
RETURNS boolean
LANGUAGE sql AS $$
  SELECT EXISTS (
    SELECT 1 FROM "InventoryHold" h
    WHERE h."shopId" = p_shop AND h.status = 'active' AND h."expiresAt" <= p_now
      AND EXISTS (
        SELECT 1 FROM "InventoryHoldItem" hi
        WHERE hi."holdId" = h.id AND (hi.sku, hi."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys))));
$$;

-- Releases those of the given holds that are still active (status ->
-- p_status) and returns their units to available stock. Caller must already
-- hold the hold rows' locks.
CREATE FUNCTION inventory_settle_holds(p_hold_ids text[], p_status text, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_count integer;
  v_settled text[];
BEGIN
  IF p_hold_ids IS NULL OR cardinality(p_hold_ids) = 0 THEN
    RETURN 0;
  END IF;
  -- Only holds still active give units back; settling one twice is impossible.
  SELECT array_agg(id) INTO v_settled FROM "InventoryHold" WHERE id = ANY (p_hold_ids) AND status = 'active';
  IF v_settled IS NULL THEN
    RETURN 0;
  END IF;

  -- Lock the stock rows in the global order before changing any of them.
  PERFORM 1 FROM "InventoryItem" i
  WHERE (i."shopId", i.sku, i."variantKey") IN (
    SELECT hi."shopId", hi.sku, hi."variantKey" FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (v_settled))
  ORDER BY i."shopId" COLLATE "C", i.sku COLLATE "C", i."variantKey" COLLATE "C"
  FOR UPDATE OF i;

  UPDATE "InventoryItem" i SET reserved = i.reserved - t.total, "updatedAt" = p_now
  FROM (
    SELECT hi."shopId", hi.sku, hi."variantKey", sum(hi.quantity)::int AS total
    FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (v_settled)
    GROUP BY 1, 2, 3
  ) t
  WHERE i."shopId" = t."shopId" AND i.sku = t.sku AND i."variantKey" = t."variantKey";

  UPDATE "InventoryHold" h SET
    status = p_status,
    "releasedAt" = CASE WHEN p_status = 'released' THEN p_now ELSE h."releasedAt" END,
    "expiredAt" = CASE WHEN p_status = 'expired' THEN p_now ELSE h."expiredAt" END,
    "updatedAt" = p_now
  WHERE h.id = ANY (v_settled);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;

-- Expires the active holds past their expiry that hold any of these variants:
-- hold rows first (SKIP LOCKED: a hold a concurrent commit or release has
-- locked is left to it), then every stock row involved (these variants' and
-- the expired holds'), in the global order, before changing any. Returns how
-- many holds it expired.
CREATE FUNCTION inventory_expire_holds_on(p_shop text, p_skus text[], p_keys text[], p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_expired text[];
BEGIN
  SELECT array_agg(h.id) INTO v_expired FROM (
    SELECT h.id FROM "InventoryHold" h
    WHERE h."shopId" = p_shop AND h.status = 'active' AND h."expiresAt" <= p_now
      AND EXISTS (
        SELECT 1 FROM "InventoryHoldItem" hi
        WHERE hi."holdId" = h.id AND (hi.sku, hi."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys)))
    ORDER BY h.id
    FOR UPDATE OF h SKIP LOCKED
  ) h;
  PERFORM 1 FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (
    (i.sku, i."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys))
    OR (i.sku, i."variantKey") IN (
      SELECT hi.sku, hi."variantKey" FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (coalesce(v_expired, '{}'))))
  ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C"
  FOR UPDATE OF i;
  RETURN inventory_settle_holds(v_expired, 'expired', p_now);
END;
$$;

-- Grants a hold for every line or none. Lines must be distinct variants.
-- Returns jsonb: {"outcome": "created" | "existing" | "insufficient", ...}.
-- With p_release_expired, active holds past their expiry that touch these
-- variants are expired first, in this transaction (hold rows locked first,
-- SKIP LOCKED, then every stock row involved in the global order).
CREATE FUNCTION inventory_create_hold(
  p_shop text,
  p_hold_id text,
  p_idempotency_key text,
  p_fingerprint text,
  p_expires_at timestamptz,
  p_now timestamptz,
  p_skus text[],
  p_keys text[],
  p_quantities integer[],
  p_product_ids text[],
  p_attributes jsonb[],
  p_release_expired boolean
) RETURNS jsonb
LANGUAGE plpgsql AS $$
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
$$;

-- Commits an active hold: its units leave quantity and reserved, with a
-- `sale` ledger entry per line. Committing a committed hold changes nothing.
-- Returns jsonb {"outcome": "committed" | "already_committed" | "not_active" | "not_found", "status": ...}.
CREATE FUNCTION inventory_commit_hold(p_shop text, p_hold_id text, p_actor text, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_status text;
BEGIN
  SELECT status INTO v_status FROM "InventoryHold" WHERE id = p_hold_id AND "shopId" = p_shop FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  IF v_status = 'committed' THEN
    RETURN jsonb_build_object('outcome', 'already_committed', 'status', v_status);
  END IF;
  IF v_status <> 'active' THEN
    RETURN jsonb_build_object('outcome', 'not_active', 'status', v_status);
  END IF;

  PERFORM 1 FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (
    SELECT hi.sku, hi."variantKey" FROM "InventoryHoldItem" hi WHERE hi."holdId" = p_hold_id)
  ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C"
  FOR UPDATE OF i;

  WITH lines AS (
    SELECT hi.sku, hi."variantKey", sum(hi.quantity)::int AS qty
    FROM "InventoryHoldItem" hi WHERE hi."holdId" = p_hold_id GROUP BY 1, 2
  ), sold AS (
    UPDATE "InventoryItem" i SET
      quantity = i.quantity - lines.qty, reserved = i.reserved - lines.qty,
      version = i.version + 1, "updatedAt" = p_now
    FROM lines
    WHERE i."shopId" = p_shop AND i.sku = lines.sku AND i."variantKey" = lines."variantKey"
    RETURNING i.sku, i."variantKey", i.quantity, lines.qty
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, "holdId", actor, "createdAt")
  SELECT p_shop, sold.sku, sold."variantKey", -sold.qty, sold.quantity, 'sale', p_hold_id, p_actor, p_now FROM sold;

  UPDATE "InventoryHold" SET status = 'committed', "committedAt" = p_now, "updatedAt" = p_now WHERE id = p_hold_id;
  RETURN jsonb_build_object('outcome', 'committed', 'status', 'committed');
END;
$$;

-- Releases an active hold (buyer cancelled, checkout expired at Stripe).
-- Releasing a released, expired or committed hold changes nothing.
CREATE FUNCTION inventory_release_hold(p_shop text, p_hold_id text, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_status text;
BEGIN
  SELECT status INTO v_status FROM "InventoryHold" WHERE id = p_hold_id AND "shopId" = p_shop FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  IF v_status <> 'active' THEN
    RETURN jsonb_build_object('outcome', 'unchanged', 'status', v_status);
  END IF;
  PERFORM inventory_settle_holds(ARRAY[p_hold_id], 'released', p_now);
  RETURN jsonb_build_object('outcome', 'released', 'status', 'released');
END;
$$;

-- The reaper: expires up to p_limit active holds of a shop whose time is up.
-- Holds locked by a concurrent commit or release are skipped, never waited on.
CREATE FUNCTION inventory_release_expired_holds(p_shop text, p_limit integer, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_ids text[];
BEGIN
  SELECT array_agg(id) INTO v_ids FROM (
    SELECT id FROM "InventoryHold"
    WHERE "shopId" = p_shop AND status = 'active' AND "expiresAt" <= p_now
    ORDER BY "expiresAt", id
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ) expired;
  RETURN inventory_settle_holds(v_ids, 'expired', p_now);
END;
$$;
