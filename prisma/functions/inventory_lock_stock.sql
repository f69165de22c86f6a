CREATE OR REPLACE FUNCTION public.inventory_lock_stock(p_shop text, p_skus text[], p_keys text[])
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
  PERFORM 1 FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys))
  ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C"
  FOR UPDATE OF i;
END;
$function$;
