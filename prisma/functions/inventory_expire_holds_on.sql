CREATE OR REPLACE FUNCTION public.inventory_expire_holds_on(p_shop text, p_skus text[], p_keys text[], p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- Expires the lapsed holds on these variants (those another transaction
  -- has locked are left for it), and locks these variants' stock rows.
  RETURN inventory_settle_holds(p_shop, inventory_lock(p_shop, NULL, ARRAY(
    SELECT h.id FROM "InventoryHold" h
    WHERE h."shopId" = p_shop AND h.status = 'active' AND h."expiresAt" <= p_now
      AND EXISTS (
        SELECT 1 FROM "InventoryHoldItem" hi
        WHERE hi."holdId" = h.id AND (hi.sku, hi."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys)))
  ), p_skus, p_keys, true), 'expired', p_now);
END;
$function$;
