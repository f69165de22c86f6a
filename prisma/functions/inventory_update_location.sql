CREATE OR REPLACE FUNCTION public.inventory_update_location(p_shop text, p_code text, p_name text, p_kind text, p_active boolean, p_fulfils_online boolean, p_priority integer, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  -- Changes a location; NULL arguments keep what it has. When it starts or
  -- stops counting online (active and fulfilling online orders), the shop's
  -- online totals move by its quantities, under the lock of every stock row
  -- of the shop, so no hold decides meanwhile. A location stops counting
  -- online only when nothing is held there: {outcome: 'held', held} otherwise.
  -- A change of active or fulfilsOnline is decided under those locks, on
  -- the row as it is then (a concurrent change may have come first); when
  -- neither changes as read, they are not written, so a concurrent change
  -- is never undone.
  v_loc record;
  v_was boolean;
  v_will boolean;
  v_held bigint;
  v_flags boolean;
BEGIN
  SELECT * INTO v_loc FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_code;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  v_flags := coalesce(p_active, v_loc.active) <> v_loc.active
    OR coalesce(p_fulfils_online, v_loc."fulfilsOnline") <> v_loc."fulfilsOnline";
  IF v_flags THEN
    PERFORM inventory_lock(p_shop, NULL, '{}', NULL, NULL, false);
    SELECT * INTO v_loc FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_code FOR UPDATE;
  END IF;
  v_was := v_loc.active AND v_loc."fulfilsOnline";
  v_will := CASE WHEN v_flags THEN coalesce(p_active, v_loc.active) AND coalesce(p_fulfils_online, v_loc."fulfilsOnline")
            ELSE v_was END;
  IF v_was <> v_will THEN
    IF NOT v_will THEN
      -- Lapsed holds never block: those with units here expire first (one another transaction has locked is left to
      -- it, and still counts as held).
      PERFORM inventory_settle_holds(p_shop, ARRAY(
        SELECT h.id FROM "InventoryHold" h
        WHERE h."shopId" = p_shop AND h.status = 'active' AND h."expiresAt" <= p_now
          AND EXISTS (SELECT 1 FROM "InventoryHoldItem" hi WHERE hi."holdId" = h.id AND hi.location = p_code)
        ORDER BY h.id FOR UPDATE SKIP LOCKED), 'expired', p_now);
      SELECT coalesce(sum(reserved), 0) INTO v_held FROM "InventoryLevel" WHERE "shopId" = p_shop AND location = p_code;
      IF v_held > 0 THEN
        RETURN jsonb_build_object('outcome', 'held', 'held', v_held);
      END IF;
    END IF;
    UPDATE "InventoryItem" i SET quantity = i.quantity + CASE WHEN v_will THEN lv.quantity ELSE -lv.quantity END,
      version = i.version + 1, "updatedAt" = p_now
    FROM "InventoryLevel" lv
    WHERE lv."shopId" = p_shop AND lv.location = p_code AND lv.quantity > 0
      AND i."shopId" = p_shop AND i.sku = lv.sku AND i."variantKey" = lv."variantKey";
    -- Its stock joins or leaves what the shop sells: one stock event per variant kept there (the level's own figures
    -- do not change, so inventory_level_events does not see it).
    INSERT INTO "StockEvent" ("shopId", sku, "variantKey", location, reason,
      "quantityBefore", "quantityAfter", "reservedBefore", "reservedAfter")
    SELECT lv."shopId", lv.sku, lv."variantKey", lv.location, CASE WHEN v_will THEN 'location_online' ELSE 'location_offline' END,
      lv.quantity, lv.quantity, lv.reserved, lv.reserved
    FROM "InventoryLevel" lv
    WHERE lv."shopId" = p_shop AND lv.location = p_code AND (lv.quantity > 0 OR lv.reserved > 0)
    ORDER BY lv.sku COLLATE "C", lv."variantKey" COLLATE "C";
  END IF;
  UPDATE "StockLocation" SET name = coalesce(p_name, name), kind = coalesce(p_kind, kind),
    active = CASE WHEN v_flags THEN coalesce(p_active, active) ELSE active END,
    "fulfilsOnline" = CASE WHEN v_flags THEN coalesce(p_fulfils_online, "fulfilsOnline") ELSE "fulfilsOnline" END,
    priority = coalesce(p_priority, priority), "updatedAt" = p_now
  WHERE "shopId" = p_shop AND code = p_code;
  RETURN jsonb_build_object('outcome', 'updated', 'online', v_will, 'wasOnline', v_was);
END;
$function$;
