CREATE OR REPLACE FUNCTION public.inventory_lock(p_shop text, p_idempotency_keys text[], p_hold_ids text[], p_skus text[], p_variant_keys text[], p_skip_locked_holds boolean)
 RETURNS text[]
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_holds text[];
BEGIN
  -- The one lock order of every stock change, so no two transactions ever
  -- wait on each other in a circle: (1) the shop's idempotency keys, sorted;
  -- (2) hold rows by id; (3) stock rows by sku, then variant key (collation
  -- "C"): the variants named and those of the holds locked in (2). Hold
  -- creation alone also locks its clients' buckets between (1) and (2)
  -- (inventory_create_holds_batch), and nothing else takes those. With
  -- p_skip_locked_holds, holds another transaction has locked are left out
  -- (the reaper's and the eager expiry's way). p_skus NULL: every stock row of
  -- the shop. Returns the ids of the holds locked, sorted.
  PERFORM pg_advisory_xact_lock(hashtextextended(p_shop || ':' || k.key, 7317))
  FROM (SELECT DISTINCT key FROM unnest(coalesce(p_idempotency_keys, '{}')) key WHERE key IS NOT NULL ORDER BY 1) k;

  IF cardinality(p_hold_ids) > 0 THEN
    IF p_skip_locked_holds THEN
      SELECT coalesce(array_agg(h.id ORDER BY h.id), '{}') INTO v_holds FROM (
        SELECT id FROM "InventoryHold" WHERE "shopId" = p_shop AND id = ANY (p_hold_ids) ORDER BY id FOR UPDATE SKIP LOCKED
      ) h;
    ELSE
      SELECT coalesce(array_agg(h.id ORDER BY h.id), '{}') INTO v_holds FROM (
        SELECT id FROM "InventoryHold" WHERE "shopId" = p_shop AND id = ANY (p_hold_ids) ORDER BY id FOR UPDATE
      ) h;
    END IF;
  ELSE
    v_holds := '{}';
  END IF;

  IF p_skus IS NULL THEN
    PERFORM 1 FROM "InventoryItem" i WHERE i."shopId" = p_shop
    ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C" FOR UPDATE OF i;
  ELSIF cardinality(p_skus) > 0 OR cardinality(v_holds) > 0 THEN
    PERFORM 1 FROM "InventoryItem" i
    WHERE i."shopId" = p_shop AND (
      (i.sku, i."variantKey") IN (SELECT * FROM unnest(p_skus, p_variant_keys))
      OR (i.sku, i."variantKey") IN (SELECT hi.sku, hi."variantKey" FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (v_holds)))
    ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C"
    FOR UPDATE OF i;
  END IF;
  RETURN v_holds;
END;
$function$;
