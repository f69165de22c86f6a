CREATE OR REPLACE FUNCTION public.inventory_receive_transfer(p_shop text, p_id text, p_actor text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  -- A transfer in transit arrives: its units leave incoming and join the
  -- destination's quantity (a transfer_in ledger entry per line), and the
  -- shop's online totals grow when the destination counts online. Receiving
  -- twice changes nothing. Answers {outcome: 'received'|'unchanged'|'not_found', status}.
  v_transfer record;
  v_to record;
BEGIN
  SELECT * INTO v_transfer FROM "StockTransfer" WHERE id = p_id AND "shopId" = p_shop;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  PERFORM inventory_lock(p_shop, ARRAY['transfer:' || p_id], '{}',
    ARRAY(SELECT l->>'sku' FROM jsonb_array_elements(v_transfer.lines) l),
    ARRAY(SELECT l->>'variantKey' FROM jsonb_array_elements(v_transfer.lines) l), false);
  SELECT * INTO v_transfer FROM "StockTransfer" WHERE id = p_id AND "shopId" = p_shop;
  IF v_transfer.status <> 'in_transit' THEN
    RETURN jsonb_build_object('outcome', 'unchanged', 'status', v_transfer.status);
  END IF;
  SELECT * INTO v_to FROM "StockLocation" WHERE "shopId" = p_shop AND code = v_transfer."toLocation";

  WITH dst AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity + (l->>'quantity')::int, incoming = lv.incoming - (l->>'quantity')::int,
      "updatedAt" = p_now
    FROM jsonb_array_elements(v_transfer.lines) l
    WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = v_transfer."toLocation"
    RETURNING lv.sku, lv."variantKey", lv.quantity, (l->>'quantity')::int AS qty
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor, note, "createdAt")
  SELECT p_shop, sku, "variantKey", v_transfer."toLocation", qty, quantity, 'transfer_in', p_actor,
         'transfer ' || p_id || ' from ' || v_transfer."fromLocation", p_now
  FROM dst ORDER BY sku COLLATE "C", "variantKey" COLLATE "C";

  IF v_to.active AND v_to."fulfilsOnline" THEN
    UPDATE "InventoryItem" i SET quantity = i.quantity + (l->>'quantity')::int, version = i.version + 1, "updatedAt" = p_now
    FROM jsonb_array_elements(v_transfer.lines) l
    WHERE i."shopId" = p_shop AND i.sku = l->>'sku' AND i."variantKey" = l->>'variantKey';
  END IF;
  UPDATE "StockTransfer" SET status = 'received', "receivedAt" = p_now, "receivedBy" = p_actor WHERE id = p_id;
  RETURN jsonb_build_object('outcome', 'received', 'status', 'received');
END;
$function$;
