CREATE OR REPLACE FUNCTION public.inventory_shortfall(p_shop text, p_skus text[], p_keys text[], p_quantities integer[])
 RETURNS jsonb
 LANGUAGE sql
AS $function$
  SELECT coalesce(jsonb_agg(jsonb_build_object(
      'sku', l.sku, 'variantKey', l.key, 'requested', l.qty,
      'available', greatest(coalesce(i.quantity - i.reserved, 0), 0)) ORDER BY l.ord), '[]'::jsonb)
  FROM unnest(p_skus, p_keys, p_quantities) WITH ORDINALITY AS l(sku, key, qty, ord)
  LEFT JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key
  WHERE i.sku IS NULL OR i.quantity - i.reserved < l.qty;
$function$;
