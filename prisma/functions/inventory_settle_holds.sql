CREATE OR REPLACE FUNCTION public.inventory_settle_holds(p_shop text, p_hold_ids text[], p_status text, p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  v_count integer;
  v_settled text[];
BEGIN
  -- Gives the units of active holds back (released or expired): the only way
  -- a hold's units return, to the locations they were reserved at. The
  -- caller has locked the holds and their stock rows (inventory_lock). Only
  -- holds still active give units back, so settling one twice is impossible.
  -- Expiring also re-checks the time, read after the lock: a hold extended
  -- meanwhile (a delayed payment, a longer TTL) is not expired.
  SELECT array_agg(id) INTO v_settled FROM "InventoryHold"
  WHERE "shopId" = p_shop AND id = ANY (p_hold_ids) AND status = 'active' AND (p_status <> 'expired' OR "expiresAt" <= p_now);
  IF v_settled IS NULL THEN
    RETURN 0;
  END IF;
  -- The stock events of the units given back say why (inventory_level_events).
  PERFORM set_config('acme.stock_reason', CASE WHEN p_status = 'expired' THEN 'expiry' ELSE 'release' END, true);

  UPDATE "InventoryLevel" lv SET reserved = lv.reserved - t.total, "updatedAt" = p_now
  FROM (
    SELECT hi.sku, hi."variantKey", hi.location, sum(hi.quantity)::int AS total
    FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (v_settled)
    GROUP BY 1, 2, 3
  ) t
  WHERE lv."shopId" = p_shop AND lv.sku = t.sku AND lv."variantKey" = t."variantKey" AND lv.location = t.location;

  UPDATE "InventoryItem" i SET reserved = i.reserved - t.total, "updatedAt" = p_now
  FROM (
    SELECT hi.sku, hi."variantKey", sum(hi.quantity)::int AS total
    FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (v_settled)
    GROUP BY 1, 2
  ) t
  WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t."variantKey";

  UPDATE "InventoryHold" h SET
    status = p_status,
    "releasedAt" = CASE WHEN p_status = 'released' THEN p_now ELSE h."releasedAt" END,
    "expiredAt" = CASE WHEN p_status = 'expired' THEN p_now ELSE h."expiredAt" END,
    "updatedAt" = p_now
  WHERE h.id = ANY (v_settled);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$function$;
