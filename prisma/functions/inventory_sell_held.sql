CREATE OR REPLACE FUNCTION public.inventory_sell_held(p_shop text, p_ops jsonb, p_now timestamp with time zone)
 RETURNS void
 LANGUAGE sql
AS $function$
  -- Sells active holds: their units leave quantity and reserved, each line
  -- gets a sale ledger entry (the running quantity in array order, as
  -- one-by-one sales would), and each hold turns committed, recording the
  -- paying Checkout Session when it names none yet. p_ops: [{holdId, actor,
  -- sessionId?}], each an active hold named once, whose hold and stock rows
  -- the caller has locked (inventory_lock). The only way held stock is sold.
  WITH ops AS (
    SELECT o.ord, o.value AS op FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord)
  ), lines AS (
    SELECT ops.ord, ops.op->>'holdId' AS hold_id, coalesce(ops.op->>'actor', 'checkout') AS actor,
           hi.sku, hi."variantKey", sum(hi.quantity)::int AS qty
    FROM ops JOIN "InventoryHoldItem" hi ON hi."holdId" = ops.op->>'holdId'
    GROUP BY 1, 2, 3, 4, 5
  ), ledger AS (
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, "holdId", actor, "createdAt")
    SELECT p_shop, lines.sku, lines."variantKey", -lines.qty,
           i.quantity - sum(lines.qty) OVER (PARTITION BY lines.sku, lines."variantKey" ORDER BY lines.ord),
           'sale', lines.hold_id, lines.actor, p_now
    FROM lines JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = lines.sku AND i."variantKey" = lines."variantKey"
    ORDER BY lines.ord
    RETURNING 1
  ), holds AS (
    UPDATE "InventoryHold" h SET status = 'committed', "committedAt" = p_now, "updatedAt" = p_now,
      "checkoutSessionId" = coalesce(h."checkoutSessionId", ops.op->>'sessionId')
    FROM ops WHERE h.id = ops.op->>'holdId' AND h."shopId" = p_shop
    RETURNING 1
  )
  UPDATE "InventoryItem" i SET quantity = i.quantity - t.total, reserved = i.reserved - t.total,
    version = i.version + 1, "updatedAt" = p_now
  FROM (SELECT sku, "variantKey", sum(qty)::int AS total FROM lines GROUP BY 1, 2) t
  WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t."variantKey"
    AND (SELECT count(*) FROM ledger) >= 0 AND (SELECT count(*) FROM holds) >= 0;
$function$;
