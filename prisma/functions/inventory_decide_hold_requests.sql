CREATE OR REPLACE FUNCTION public.inventory_decide_hold_requests(p_shop text, p_ids text[], p_now timestamp with time zone, p_max integer)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_pending text[];
  v_decider boolean := false;
  v_free bigint;
BEGIN
  -- Whoever holds the shop's decider lock decides every pending request of
  -- the shop in one transaction. At most one more caller (holding the "next"
  -- lock) queues for it; everyone else waits for that one, in shared mode or
  -- on their own request rows, so they all wake together when their
  -- requests are decided instead of taking the decider lock in turn. Every
  -- lock is transaction-scoped (PgBouncer's transaction mode is fine), and a
  -- caller that dies takes its locks with it.
  LOOP
    SELECT coalesce(array_agg(id), '{}') INTO v_pending FROM "HoldRequest" WHERE id = ANY (p_ids) AND result IS NULL;
    EXIT WHEN cardinality(v_pending) = 0;
    IF pg_try_advisory_xact_lock(inventory_hold_decider_key(p_shop, false)) THEN
      v_decider := true;
      EXIT;
    END IF;
    IF pg_try_advisory_xact_lock(inventory_hold_decider_key(p_shop, true)) THEN
      PERFORM pg_advisory_xact_lock(inventory_hold_decider_key(p_shop, false));
      v_decider := true;
      EXIT;
    END IF;
    -- A decider is at work and the next one waits for it. If the one at work
    -- took all of these requests (their rows are locked), wait for its commit
    -- on the rows; otherwise the next one takes them: wait until it is done.
    -- The probe and the wait each run in a subtransaction that is then rolled
    -- back, so this caller never holds a lock that a decider could need.
    BEGIN
      SELECT count(*) INTO v_free FROM (SELECT 1 FROM "HoldRequest" WHERE id = ANY (v_pending) AND result IS NULL FOR SHARE SKIP LOCKED) free;
      RAISE EXCEPTION USING ERRCODE = 'P0001';
    EXCEPTION
      WHEN raise_exception THEN NULL;
    END;
    BEGIN
      IF v_free = 0 THEN
        -- One row: a waiter holding one row while it waits for another could close a cycle with a decider.
        PERFORM 1 FROM "HoldRequest" WHERE id = (SELECT min(p) FROM unnest(v_pending) p) AND result IS NULL FOR SHARE;
      ELSE
        PERFORM pg_advisory_xact_lock_shared(inventory_hold_decider_key(p_shop, true));
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'P0001';
    EXCEPTION
      WHEN raise_exception THEN NULL;
    END;
  END LOOP;

  IF v_decider THEN
    PERFORM inventory_decide_pending_holds(p_shop, p_ids, NULL, p_now, p_max);
  END IF;
  RETURN inventory_take_decided_hold_requests(p_ids);
END;
$function$;
