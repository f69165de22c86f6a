CREATE OR REPLACE FUNCTION public.inventory_transfer(p_shop text, p_id text, p_from text, p_to text, p_lines jsonb, p_in_transit boolean, p_actor text, p_note text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  -- Moves stock between two locations of a shop in one transaction. p_lines:
  -- [{sku, variantKey, quantity}], distinct variants. Units leave the source
  -- at once (a transfer_out ledger entry per line) and never held ones: a
  -- line asking more than is free there refuses the whole transfer (holds
  -- that have lapsed expire first). They arrive at once (transfer_in), or
  -- with p_in_transit they wait as incoming at the destination until
  -- inventory_receive_transfer. The shop's online totals move when the
  -- source or the destination counts online.
  -- Answers {outcome: 'created'|'existing'|'not_found'|'insufficient', ...}.
  v_from record;
  v_to record;
  v_short jsonb;
  v_existing record;
BEGIN
  PERFORM inventory_lock(p_shop, ARRAY['transfer:' || p_id], '{}',
    ARRAY(SELECT l->>'sku' FROM jsonb_array_elements(p_lines) l), ARRAY(SELECT l->>'variantKey' FROM jsonb_array_elements(p_lines) l), false);
  SELECT * INTO v_existing FROM "StockTransfer" WHERE id = p_id;
  IF FOUND THEN
    RETURN jsonb_build_object('outcome', 'existing', 'status', v_existing.status,
      'sameRequest', v_existing."shopId" = p_shop AND v_existing."fromLocation" = p_from AND v_existing."toLocation" = p_to
        AND v_existing.lines = p_lines);
  END IF;
  SELECT * INTO v_from FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_from;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found', 'field', 'from', 'location', p_from);
  END IF;
  SELECT * INTO v_to FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_to;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found', 'field', 'to', 'location', p_to);
  END IF;
  -- Lapsed holds never block: those on these variants expire first, as for a hold request.
  PERFORM inventory_expire_holds_on(p_shop, ARRAY(SELECT l->>'sku' FROM jsonb_array_elements(p_lines) l),
    ARRAY(SELECT l->>'variantKey' FROM jsonb_array_elements(p_lines) l), p_now);

  SELECT coalesce(jsonb_agg(jsonb_build_object('index', l.ord - 1, 'sku', l.value->>'sku', 'variantKey', l.value->>'variantKey',
           'requested', (l.value->>'quantity')::int, 'available', greatest(coalesce(lv.quantity - lv.reserved, 0), 0),
           'held', coalesce(lv.reserved, 0)) ORDER BY l.ord), '[]'::jsonb)
  INTO v_short
  FROM jsonb_array_elements(p_lines) WITH ORDINALITY AS l(value, ord)
  LEFT JOIN "InventoryLevel" lv ON lv."shopId" = p_shop AND lv.sku = l.value->>'sku' AND lv."variantKey" = l.value->>'variantKey'
    AND lv.location = p_from
  WHERE coalesce(lv.quantity - lv.reserved, 0) < (l.value->>'quantity')::int;
  IF jsonb_array_length(v_short) > 0 THEN
    RETURN jsonb_build_object('outcome', 'insufficient', 'insufficient', v_short);
  END IF;

  INSERT INTO "StockTransfer" (id, "shopId", "fromLocation", "toLocation", status, lines, actor, note, "createdAt", "receivedAt", "receivedBy")
  VALUES (p_id, p_shop, p_from, p_to, CASE WHEN p_in_transit THEN 'in_transit' ELSE 'received' END, p_lines, p_actor, p_note, p_now,
          CASE WHEN p_in_transit THEN NULL ELSE p_now END, CASE WHEN p_in_transit THEN NULL ELSE p_actor END);

  WITH src AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity - (l->>'quantity')::int, "updatedAt" = p_now
    FROM jsonb_array_elements(p_lines) l
    WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = p_from
    RETURNING lv.sku, lv."variantKey", lv.quantity, (l->>'quantity')::int AS qty
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor, note, "createdAt")
  SELECT p_shop, sku, "variantKey", p_from, -qty, quantity, 'transfer_out', p_actor, 'transfer ' || p_id || ' to ' || p_to, p_now
  FROM src ORDER BY sku COLLATE "C", "variantKey" COLLATE "C";

  INSERT INTO "InventoryLevel" ("shopId", sku, "variantKey", location, quantity, reserved, incoming, "updatedAt")
  SELECT p_shop, l->>'sku', l->>'variantKey', p_to, 0, 0, 0, p_now FROM jsonb_array_elements(p_lines) l
  ON CONFLICT ("shopId", sku, "variantKey", location) DO NOTHING;
  IF p_in_transit THEN
    UPDATE "InventoryLevel" lv SET incoming = lv.incoming + (l->>'quantity')::int, "updatedAt" = p_now
    FROM jsonb_array_elements(p_lines) l
    WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = p_to;
  ELSE
    WITH dst AS (
      UPDATE "InventoryLevel" lv SET quantity = lv.quantity + (l->>'quantity')::int, "updatedAt" = p_now
      FROM jsonb_array_elements(p_lines) l
      WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = p_to
      RETURNING lv.sku, lv."variantKey", lv.quantity, (l->>'quantity')::int AS qty
    )
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor, note, "createdAt")
    SELECT p_shop, sku, "variantKey", p_to, qty, quantity, 'transfer_in', p_actor, 'transfer ' || p_id || ' from ' || p_from, p_now
    FROM dst ORDER BY sku COLLATE "C", "variantKey" COLLATE "C";
  END IF;

  UPDATE "InventoryItem" i SET quantity = i.quantity
      - CASE WHEN v_from.active AND v_from."fulfilsOnline" THEN (l->>'quantity')::int ELSE 0 END
      + CASE WHEN NOT p_in_transit AND v_to.active AND v_to."fulfilsOnline" THEN (l->>'quantity')::int ELSE 0 END,
    version = i.version + 1, "updatedAt" = p_now
  FROM jsonb_array_elements(p_lines) l
  WHERE i."shopId" = p_shop AND i.sku = l->>'sku' AND i."variantKey" = l->>'variantKey';
  RETURN jsonb_build_object('outcome', 'created', 'status', CASE WHEN p_in_transit THEN 'in_transit' ELSE 'received' END);
END;
$function$;
