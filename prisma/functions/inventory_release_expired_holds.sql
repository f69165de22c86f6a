CREATE OR REPLACE FUNCTION public.inventory_release_expired_holds(p_shop text, p_limit integer, p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_ids text[];
BEGIN
  SELECT array_agg(id) INTO v_ids FROM (
    SELECT id FROM "InventoryHold"
    WHERE "shopId" = p_shop AND status = 'active' AND "expiresAt" <= p_now
    ORDER BY "expiresAt", id
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ) expired;
  RETURN inventory_settle_holds(v_ids, 'expired', p_now);
END;
$function$;
