CREATE OR REPLACE FUNCTION public.inventory_sell_unreserved(p_shop text, p_hold_id text, p_skus text[], p_keys text[], p_quantities integer[], p_actor text, p_note text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_short jsonb;
BEGIN
  PERFORM inventory_lock(p_shop, NULL, '{}', p_skus, p_keys, false);
  v_short := inventory_shortfall(p_shop, p_skus, p_keys, p_quantities);
  IF jsonb_array_length(v_short) > 0 THEN
    RETURN v_short;
  END IF;

  WITH sold AS (
    UPDATE "InventoryItem" i SET quantity = i.quantity - l.qty, version = i.version + 1, "updatedAt" = p_now
    FROM unnest(p_skus, p_keys, p_quantities) AS l(sku, key, qty)
    WHERE i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key
    RETURNING i.sku, i."variantKey", i.quantity, l.qty
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, "holdId", actor, note, "createdAt")
  SELECT p_shop, sold.sku, sold."variantKey", -sold.qty, sold.quantity, 'sale', p_hold_id, p_actor, p_note, p_now FROM sold;
  RETURN '[]'::jsonb;
END;
$function$;
