CREATE OR REPLACE FUNCTION public.inventory_release_expired_holds(p_shop text, p_limit integer, p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- The reaper: expires up to p_limit lapsed holds of the shop, oldest first,
  -- leaving those another transaction has locked to it.
  -- Candidates are locked as they are chosen (a try-lock never waits, so the
  -- order is free), so a batch is p_limit holds unless fewer are left.
  RETURN inventory_settle_holds(p_shop, inventory_lock(p_shop, NULL, ARRAY(
    SELECT id FROM "InventoryHold"
    WHERE "shopId" = p_shop AND status = 'active' AND "expiresAt" <= p_now
    ORDER BY "expiresAt", id
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ), '{}', '{}', true), 'expired', p_now);
END;
$function$;
