CREATE OR REPLACE FUNCTION public.inventory_sell_held(p_shop text, p_ops jsonb, p_now timestamp with time zone)
 RETURNS void
 LANGUAGE sql
 SET "acme.locations" TO 'on'
AS $function$
  -- Sells active holds: their units leave quantity and reserved at exactly
  -- the locations each hold line reserved them, each line and location gets
  -- a sale ledger entry (the location's running quantity in array order, as
  -- one-by-one sales would), and each hold turns committed, recording the
  -- paying Checkout Session when it names none yet. p_ops: [{holdId, actor,
  -- sessionId?}], each an active hold named once, whose hold and stock rows
  -- the caller has locked (inventory_lock). The only way held stock is sold.
  WITH ops AS (
    SELECT o.ord, o.value AS op FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord)
  ), lines AS (
    SELECT ops.ord, ops.op->>'holdId' AS hold_id, coalesce(ops.op->>'actor', 'checkout') AS actor,
           hi.sku, hi."variantKey", hi.location, sum(hi.quantity)::int AS qty
    FROM ops JOIN "InventoryHoldItem" hi ON hi."holdId" = ops.op->>'holdId'
    GROUP BY 1, 2, 3, 4, 5, 6
  ), ledger AS (
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, "holdId", actor, "createdAt")
    SELECT p_shop, lines.sku, lines."variantKey", lines.location, -lines.qty,
           lv.quantity - sum(lines.qty) OVER (PARTITION BY lines.sku, lines."variantKey", lines.location ORDER BY lines.ord),
           'sale', lines.hold_id, lines.actor, p_now
    FROM lines JOIN "InventoryLevel" lv ON lv."shopId" = p_shop AND lv.sku = lines.sku AND lv."variantKey" = lines."variantKey"
      AND lv.location = lines.location
    ORDER BY lines.ord, lines.sku COLLATE "C", lines."variantKey" COLLATE "C", lines.location COLLATE "C"
    RETURNING 1
  ), holds AS (
    UPDATE "InventoryHold" h SET status = 'committed', "committedAt" = p_now, "updatedAt" = p_now,
      "checkoutSessionId" = coalesce(h."checkoutSessionId", ops.op->>'sessionId')
    FROM ops WHERE h.id = ops.op->>'holdId' AND h."shopId" = p_shop
    RETURNING 1
  ), levels AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity - t.total, reserved = lv.reserved - t.total, "updatedAt" = p_now
    FROM (SELECT sku, "variantKey", location, sum(qty)::int AS total FROM lines GROUP BY 1, 2, 3) t
    WHERE lv."shopId" = p_shop AND lv.sku = t.sku AND lv."variantKey" = t."variantKey" AND lv.location = t.location
    RETURNING 1
  )
  UPDATE "InventoryItem" i SET quantity = i.quantity - t.total, reserved = i.reserved - t.total,
    version = i.version + 1, "updatedAt" = p_now
  FROM (SELECT sku, "variantKey", sum(qty)::int AS total FROM lines GROUP BY 1, 2) t
  WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t."variantKey"
    AND (SELECT count(*) FROM ledger) >= 0 AND (SELECT count(*) FROM holds) >= 0 AND (SELECT count(*) FROM levels) >= 0;
$function$;
