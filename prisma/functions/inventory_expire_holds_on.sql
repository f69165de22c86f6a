CREATE OR REPLACE FUNCTION public.inventory_expire_holds_on(p_shop text, p_skus text[], p_keys text[], p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
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
$function$;
