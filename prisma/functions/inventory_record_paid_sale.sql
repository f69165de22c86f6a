CREATE OR REPLACE FUNCTION public.inventory_record_paid_sale(p_shop text, p_sale_id text, p_session_id text, p_skus text[], p_keys text[], p_quantities integer[], p_actor text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_short jsonb;
BEGIN
  INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt", "idempotencyKey")
  VALUES (p_sale_id, p_shop, 'released', p_now, p_now, p_now, NULL)
  ON CONFLICT (id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'already_recorded');
  END IF;
  INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity)
  SELECT p_sale_id || ':' || l.ord, p_sale_id, p_shop, l.sku, coalesce(i."productId", l.sku), l.key,
         coalesce(i."variantAttributes", '{}'::jsonb), l.qty
  FROM unnest(p_skus, p_keys, p_quantities) WITH ORDINALITY AS l(sku, key, qty, ord)
  LEFT JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key;

  v_short := inventory_sell_unreserved(p_shop, p_sale_id, p_skus, p_keys, p_quantities, p_actor, 'validate-only checkout', p_now);
  IF jsonb_array_length(v_short) = 0 THEN
    UPDATE "InventoryHold" SET status = 'committed', "committedAt" = p_now WHERE id = p_sale_id;
    RETURN jsonb_build_object('outcome', 'sold');
  END IF;
  INSERT INTO "OversoldSale" (id, "shopId", "holdId", "checkoutSessionId", items, "createdAt")
  VALUES ('oversold_' || p_sale_id, p_shop, p_sale_id, p_session_id, v_short, p_now);
  RETURN jsonb_build_object('outcome', 'oversold', 'insufficient', v_short);
END;
$function$;
