CREATE OR REPLACE FUNCTION public.inventory_try_decide_holds(p_shop text, p_requests jsonb, p_now timestamp with time zone, p_max integer)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
BEGIN
  -- The uncontended way in: when no one is deciding for the shop, decide
  -- these requests at once, with whatever other instances have queued, and
  -- return their answers; they are never written to the queue. NULL when
  -- another caller is deciding: queue them (inventory_decide_hold_requests).
  IF NOT pg_try_advisory_xact_lock(inventory_hold_decider_key(p_shop, false)) THEN
    RETURN NULL;
  END IF;
  RETURN inventory_decide_pending_holds(p_shop, '{}', p_requests, p_now, p_max);
END;
$function$;
