CREATE OR REPLACE FUNCTION public.inventory_decide_hold_requests(p_shop text, p_ids text[], p_now timestamp with time zone, p_max integer)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_ids text[];
  v_batch jsonb;
  v_results jsonb;
BEGIN
  -- The shop's hold lock, before any idempotency-key or stock-row lock (the global order).
  PERFORM pg_advisory_xact_lock(hashtextextended('hold-requests:' || p_shop, 7318));
  IF EXISTS (SELECT 1 FROM "HoldRequest" WHERE id = ANY(p_ids) AND result IS NULL) THEN
    -- Lead. Requests whose callers gave up (past their deadline) are dropped
    -- undecided, and answers nobody came for are swept.
    DELETE FROM "HoldRequest"
    WHERE "shopId" = p_shop AND NOT (id = ANY(p_ids))
      AND ((result IS NULL AND deadline < clock_timestamp()) OR (result IS NOT NULL AND deadline < clock_timestamp() - interval '1 minute'));
    SELECT array_agg(pending.id ORDER BY pending.seq), jsonb_agg(pending.request ORDER BY pending.seq)
    INTO v_ids, v_batch
    FROM (
      (SELECT id, seq, request FROM "HoldRequest" WHERE "shopId" = p_shop AND result IS NULL ORDER BY seq LIMIT p_max)
      UNION
      (SELECT id, seq, request FROM "HoldRequest" WHERE id = ANY(p_ids) AND result IS NULL)
    ) pending;
    v_results := inventory_create_holds_batch(p_shop, v_batch, p_now);
    UPDATE "HoldRequest" r SET result = v_results->(d.ord - 1)::int
    FROM unnest(v_ids) WITH ORDINALITY AS d(id, ord)
    WHERE r.id = d.id;
  END IF;
  RETURN inventory_take_decided_hold_requests(p_ids);
END;
$function$;
