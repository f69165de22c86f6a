CREATE OR REPLACE FUNCTION public.inventory_record_stock_crossing()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  INSERT INTO "StockAlertCrossing" ("shopId", sku, "variantKey", available, threshold, "crossedAt")
  VALUES (NEW."shopId", NEW.sku, NEW."variantKey", NEW.quantity - NEW.reserved, NEW."lowStockThreshold", NEW."updatedAt");
  PERFORM set_config('acme.stock_crossed', '1', true);
  RETURN NULL;
END;
$function$;
