CREATE OR REPLACE FUNCTION public.inventory_hold_decider_key(p_shop text, p_next boolean)
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE
AS $function$
  -- The advisory lock key of the shop's hold decider (p_next: of the one
  -- queued to decide next). Every taker of these locks computes them here.
  SELECT hashtextextended(CASE WHEN p_next THEN 'hold-decider-next:' ELSE 'hold-decider:' END || p_shop, 7318);
$function$;
