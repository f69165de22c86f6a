CREATE OR REPLACE FUNCTION public.inventory_has_expired_holds(p_shop text, p_skus text[], p_keys text[], p_now timestamp with time zone)
 RETURNS boolean
 LANGUAGE sql
AS $function$
  SELECT EXISTS (
    SELECT 1 FROM "InventoryHold" h
    WHERE h."shopId" = p_shop AND h.status = 'active' AND h."expiresAt" <= p_now
      AND EXISTS (
        SELECT 1 FROM "InventoryHoldItem" hi
        WHERE hi."holdId" = h.id AND (hi.sku, hi."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys))));
$function$;
