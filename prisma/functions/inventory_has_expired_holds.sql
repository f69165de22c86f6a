CREATE OR REPLACE FUNCTION public.inventory_has_expired_holds(p_shop text, p_skus text[], p_keys text[], p_now timestamp with time zone)
 RETURNS boolean
 LANGUAGE sql
 SET enable_seqscan TO 'off'
AS $function$
  -- Lapsed holds not reaped yet (the partial index on active holds by
  -- expiry: few, however many holds the shop has), then whether one of them
  -- holds these variants. A fence (MATERIALIZED) and no sequential scans:
  -- planned on the statistics of a table that grew since they were taken,
  -- this walked every hold line ever made on the variants instead, each
  -- batch of a sale slower than the one before.
  WITH lapsed AS MATERIALIZED (
    SELECT h.id FROM "InventoryHold" h
    WHERE h."shopId" = p_shop AND h.status = 'active' AND h."expiresAt" <= p_now
  )
  SELECT EXISTS (
    SELECT 1 FROM lapsed l JOIN "InventoryHoldItem" hi ON hi."holdId" = l.id
    WHERE (hi.sku, hi."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys)));
$function$;
