CREATE OR REPLACE FUNCTION public.inventory_legacy_write()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_quantity integer := NEW.quantity;
  v_reserved integer := NEW.reserved;
BEGIN
  -- A change of InventoryItem made outside the location path (an instance
  -- running code from before locations, a hand-written UPDATE): it lands on
  -- the shop's main location, so every location's books still balance. The
  -- location path sets acme.locations and never comes here.
  IF TG_OP = 'UPDATE' THEN
    v_quantity := NEW.quantity - OLD.quantity;
    v_reserved := NEW.reserved - OLD.reserved;
  ELSE
    INSERT INTO "StockLocation" ("shopId", code, name, "updatedAt") VALUES (NEW."shopId", 'main', 'Main warehouse', now())
    ON CONFLICT DO NOTHING;
  END IF;
  PERFORM 1 FROM "StockLocation" WHERE "shopId" = NEW."shopId" AND code = 'main' AND active AND "fulfilsOnline";
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stock of % in shop % changed outside the location path while its main location is not online',
      NEW.sku, NEW."shopId" USING ERRCODE = 'check_violation';
  END IF;
  UPDATE "InventoryLevel" SET quantity = quantity + v_quantity, reserved = reserved + v_reserved, "updatedAt" = now()
  WHERE "shopId" = NEW."shopId" AND sku = NEW.sku AND "variantKey" = NEW."variantKey" AND location = 'main';
  IF NOT FOUND THEN
    INSERT INTO "InventoryLevel" ("shopId", sku, "variantKey", location, quantity, reserved, "updatedAt")
    VALUES (NEW."shopId", NEW.sku, NEW."variantKey", 'main', v_quantity, v_reserved, now());
  END IF;
  RETURN NEW;
END;
$function$;
