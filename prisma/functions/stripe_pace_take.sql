CREATE OR REPLACE FUNCTION public.stripe_pace_take(p_keys text[], p_interval_ms double precision[], p_max_wait_ms integer)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
  -- Paces calls to Stripe across every instance of every app (GCRA: each
  -- key keeps the earliest start of its next call). A caller names the keys
  -- its call spends (the account's global budget and the endpoint's) with
  -- their spacing (1000 / rate). When the slot is at most p_max_wait_ms
  -- away it is taken and the wait is returned (>= 0): the caller sleeps that
  -- long, then calls. Otherwise nothing is taken and minus the time until
  -- the slot is returned. Rows are locked in key order ("C"), so callers
  -- naming the same keys never deadlock.
  v_now timestamptz := clock_timestamp();
  v_slot timestamptz := v_now;
  v_found integer := 0;
  v_next timestamptz;
BEGIN
  FOR v_next IN
    SELECT p."nextAt" FROM "StripeRatePace" p WHERE p."key" = ANY (p_keys) ORDER BY p."key" COLLATE "C" FOR UPDATE
  LOOP
    v_found := v_found + 1;
    v_slot := greatest(v_slot, v_next);
  END LOOP;
  IF v_found < cardinality(p_keys) THEN
    INSERT INTO "StripeRatePace" ("key", "nextAt")
    SELECT k, v_now FROM unnest(p_keys) k ORDER BY k COLLATE "C"
    ON CONFLICT ("key") DO NOTHING;
    v_slot := v_now;
    FOR v_next IN
      SELECT p."nextAt" FROM "StripeRatePace" p WHERE p."key" = ANY (p_keys) ORDER BY p."key" COLLATE "C" FOR UPDATE
    LOOP
      v_slot := greatest(v_slot, v_next);
    END LOOP;
  END IF;
  IF v_slot > v_now + make_interval(secs => p_max_wait_ms / 1000.0) THEN
    RETURN -ceil(extract(epoch FROM v_slot - v_now) * 1000)::integer;
  END IF;
  UPDATE "StripeRatePace" p SET "nextAt" = v_slot + make_interval(secs => k.ms / 1000.0)
  FROM unnest(p_keys, p_interval_ms) AS k(key, ms)
  WHERE p."key" = k.key;
  RETURN ceil(extract(epoch FROM v_slot - v_now) * 1000)::integer;
END;
$function$;
