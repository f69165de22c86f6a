CREATE OR REPLACE FUNCTION public.inventory_take_hold_answers(p_shop text, p_ids text[])
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('hold-requests:' || p_shop, 7318));
  IF EXISTS (SELECT 1 FROM "HoldRequest" WHERE id = ANY(p_ids) AND result IS NULL) THEN
    RETURN NULL;
  END IF;
  RETURN inventory_take_decided_hold_requests(p_ids);
END;
$function$;
