CREATE OR REPLACE FUNCTION public.inventory_decide_pending_holds(p_shop text, p_ids text[], p_requests jsonb, p_now timestamp with time zone, p_max integer)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_ids text[];
  v_batch jsonb;
  v_results jsonb;
  v_queued integer;
BEGIN
  -- The decider's work; the caller holds the shop's decider lock. Decides the
  -- queued requests p_ids, the oldest other queued requests, then p_requests
  -- (requests not queued: the caller's own, when it got the lock at once), in
  -- one inventory_create_holds_batch. Writes the queued requests' answers back
  -- and returns those of p_requests.
  --
  -- Requests whose callers gave up (past their deadline) are dropped
  -- undecided, and answers nobody came for are swept.
  DELETE FROM "HoldRequest"
  WHERE "shopId" = p_shop AND NOT (id = ANY (p_ids))
    AND ((result IS NULL AND deadline < clock_timestamp()) OR (result IS NOT NULL AND deadline < clock_timestamp() - interval '1 minute'));
  -- Queued requests in arrival order. Their rows stay locked until the
  -- answers commit: that is what the callers who wait on them wait for.
  SELECT array_agg(pending.id ORDER BY pending.seq), jsonb_agg(pending.request ORDER BY pending.seq)
  INTO v_ids, v_batch
  FROM (
    SELECT id, seq, request FROM "HoldRequest"
    WHERE result IS NULL AND (id = ANY (p_ids) OR id IN (
      SELECT id FROM "HoldRequest" WHERE "shopId" = p_shop AND result IS NULL ORDER BY seq LIMIT p_max))
    FOR UPDATE
  ) pending;
  v_queued := coalesce(cardinality(v_ids), 0);
  v_batch := coalesce(v_batch, '[]'::jsonb) || coalesce(p_requests, '[]'::jsonb);
  IF jsonb_array_length(v_batch) = 0 THEN
    RETURN '[]'::jsonb;
  END IF;
  v_results := inventory_create_holds_batch(p_shop, v_batch, p_now);
  IF v_queued > 0 THEN
    UPDATE "HoldRequest" r SET result = v_results->(d.ord - 1)::int
    FROM unnest(v_ids) WITH ORDINALITY AS d(id, ord)
    WHERE r.id = d.id;
  END IF;
  RETURN coalesce((SELECT jsonb_agg(v_results->(n - 1) ORDER BY n) FROM generate_series(v_queued + 1, jsonb_array_length(v_results)) n), '[]'::jsonb);
END;
$function$;
