CREATE OR REPLACE FUNCTION public.inventory_take_decided_hold_requests(p_ids text[])
 RETURNS jsonb
 LANGUAGE sql
AS $function$
  WITH taken AS (
    DELETE FROM "HoldRequest" WHERE id = ANY(p_ids) RETURNING id, result
  )
  SELECT jsonb_agg(taken.result ORDER BY mine.ord)
  FROM unnest(p_ids) WITH ORDINALITY AS mine(id, ord) LEFT JOIN taken ON taken.id = mine.id;
$function$;
