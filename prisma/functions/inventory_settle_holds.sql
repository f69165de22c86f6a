CREATE OR REPLACE FUNCTION public.inventory_settle_holds(p_hold_ids text[], p_status text, p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
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
$function$;
