CREATE OR REPLACE FUNCTION public.inventory_commit_hold(p_shop text, p_hold_id text, p_actor text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_status text;
BEGIN
  SELECT status INTO v_status FROM "InventoryHold" WHERE id = p_hold_id AND "shopId" = p_shop FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  IF v_status = 'committed' THEN
    RETURN jsonb_build_object('outcome', 'already_committed', 'status', v_status);
  END IF;
  IF v_status <> 'active' THEN
    RETURN jsonb_build_object('outcome', 'not_active', 'status', v_status);
  END IF;

  PERFORM 1 FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (
    SELECT hi.sku, hi."variantKey" FROM "InventoryHoldItem" hi WHERE hi."holdId" = p_hold_id)
  ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C"
  FOR UPDATE OF i;

  WITH lines AS (
    SELECT hi.sku, hi."variantKey", sum(hi.quantity)::int AS qty
    FROM "InventoryHoldItem" hi WHERE hi."holdId" = p_hold_id GROUP BY 1, 2
  ), sold AS (
    UPDATE "InventoryItem" i SET
      quantity = i.quantity - lines.qty, reserved = i.reserved - lines.qty,
      version = i.version + 1, "updatedAt" = p_now
    FROM lines
    WHERE i."shopId" = p_shop AND i.sku = lines.sku AND i."variantKey" = lines."variantKey"
    RETURNING i.sku, i."variantKey", i.quantity, lines.qty
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, "holdId", actor, "createdAt")
  SELECT p_shop, sold.sku, sold."variantKey", -sold.qty, sold.quantity, 'sale', p_hold_id, p_actor, p_now FROM sold;

  UPDATE "InventoryHold" SET status = 'committed', "committedAt" = p_now, "updatedAt" = p_now WHERE id = p_hold_id;
  RETURN jsonb_build_object('outcome', 'committed', 'status', 'committed');
END;
$function$;
