CREATE OR REPLACE FUNCTION public.inventory_commit_paid_hold(p_shop text, p_hold_id text, p_actor text, p_session_id text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_status text;
  v_short jsonb;
  v_skus text[];
  v_keys text[];
  v_qtys integer[];
BEGIN
  SELECT status INTO v_status FROM "InventoryHold" WHERE id = p_hold_id AND "shopId" = p_shop FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  -- The session that paid: checkout records it when it creates the session; this covers one that could not.
  UPDATE "InventoryHold" SET "checkoutSessionId" = p_session_id
  WHERE id = p_hold_id AND "checkoutSessionId" IS NULL AND p_session_id IS NOT NULL;
  IF v_status IN ('active', 'committed') THEN
    RETURN inventory_commit_hold(p_shop, p_hold_id, p_actor, p_now);
  END IF;
  IF EXISTS (SELECT 1 FROM "OversoldSale" WHERE "holdId" = p_hold_id) THEN
    RETURN jsonb_build_object('outcome', 'oversold', 'status', v_status, 'repeated', true);
  END IF;

  SELECT array_agg(sku ORDER BY sku COLLATE "C", "variantKey" COLLATE "C"),
         array_agg("variantKey" ORDER BY sku COLLATE "C", "variantKey" COLLATE "C"),
         array_agg(qty ORDER BY sku COLLATE "C", "variantKey" COLLATE "C")
  INTO v_skus, v_keys, v_qtys
  FROM (SELECT sku, "variantKey", sum(quantity)::int AS qty FROM "InventoryHoldItem" WHERE "holdId" = p_hold_id GROUP BY 1, 2) lines;

  v_short := inventory_sell_unreserved(p_shop, p_hold_id, v_skus, v_keys, v_qtys, p_actor, 'paid after the hold lapsed', p_now);
  IF jsonb_array_length(v_short) = 0 THEN
    UPDATE "InventoryHold" SET status = 'committed', "committedAt" = p_now, "updatedAt" = p_now WHERE id = p_hold_id;
    RETURN jsonb_build_object('outcome', 'recommitted', 'status', 'committed');
  END IF;
  INSERT INTO "OversoldSale" (id, "shopId", "holdId", "checkoutSessionId", items, "createdAt")
  VALUES ('oversold_' || p_hold_id, p_shop, p_hold_id, p_session_id, v_short, p_now);
  RETURN jsonb_build_object('outcome', 'oversold', 'status', v_status, 'insufficient', v_short);
END;
$function$;
