CREATE OR REPLACE FUNCTION public.inventory_hold_policy(p_shop text)
 RETURNS TABLE("maxActiveHoldsPerClient" integer, "maxHeldUnitsPerClient" integer, "unopenedHoldSeconds" integer, "isDefault" boolean)
 LANGUAGE sql
 STABLE
AS $function$
  -- The shop's hold policy, or the defaults (DEFAULT_HOLD_POLICY in
  -- src/holds/hold-policy.ts says the same; a test keeps them equal):
  -- 10 active holds and 200 held units per client, which no real buyer
  -- reaches, and 5 minutes for a checkout's hold to reach its payment page.
  SELECT coalesce(p."maxActiveHoldsPerClient", 10), coalesce(p."maxHeldUnitsPerClient", 200),
         coalesce(p."unopenedHoldSeconds", 300), p."shopId" IS NULL
  FROM (SELECT 1) one LEFT JOIN "ShopHoldPolicy" p ON p."shopId" = p_shop;
$function$;
