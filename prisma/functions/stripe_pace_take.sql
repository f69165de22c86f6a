CREATE OR REPLACE FUNCTION public.stripe_pace_take(p_endpoint text, p_interval_ms double precision, p_global text, p_global_per_second integer, p_max_wait_ms integer)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
  -- Paces calls to Stripe across every instance of every app. An endpoint
  -- keeps the earliest start of its next call (calls evenly spaced at its
  -- rate); the account's global budget is counted per second, so a slot
  -- taken seconds ahead on one endpoint spends only that second's budget,
  -- not the other endpoints' time before it. When a slot is at most
  -- p_max_wait_ms away it is taken and the wait is returned (>= 0): the
  -- caller sleeps that long, then calls. Otherwise nothing is taken and minus
  -- the time until the endpoint's next slot is returned. Locks: the
  -- endpoint's row, then one second's row of the global budget, always in
  -- that order.
  v_now timestamptz := date_trunc('milliseconds', clock_timestamp());
  v_slot timestamptz;
  v_second timestamptz;
  v_calls integer;
BEGIN
  -- Most callers in a crowd get no slot: they are told so from a plain read,
  -- without queueing for the endpoint's row lock.
  SELECT p."nextAt" INTO v_slot FROM "StripeRatePace" p WHERE p."key" = p_endpoint;
  IF v_slot > v_now + make_interval(secs => p_max_wait_ms / 1000.0) THEN
    RETURN -ceil(extract(epoch FROM v_slot - v_now) * 1000)::integer;
  END IF;
  IF v_slot IS NULL THEN
    INSERT INTO "StripeRatePace" ("key", "nextAt") VALUES (p_endpoint, v_now) ON CONFLICT ("key") DO NOTHING;
  END IF;
  SELECT p."nextAt" INTO v_slot FROM "StripeRatePace" p WHERE p."key" = p_endpoint FOR UPDATE;
  -- The time once the lock is ours: a wait for it must not shorten the spacing.
  v_now := date_trunc('milliseconds', clock_timestamp());
  v_slot := greatest(v_slot, v_now);
  FOR attempt IN 1..120 LOOP
    IF v_slot > v_now + make_interval(secs => p_max_wait_ms / 1000.0) THEN
      RETURN -ceil(extract(epoch FROM v_slot - v_now) * 1000)::integer;
    END IF;
    v_second := date_trunc('second', v_slot);
    INSERT INTO "StripeRateWindow" ("key", "second", "calls") VALUES (p_global, v_second, 0) ON CONFLICT ("key", "second") DO NOTHING;
    SELECT w."calls" INTO v_calls FROM "StripeRateWindow" w WHERE w."key" = p_global AND w."second" = v_second FOR UPDATE;
    IF v_calls < p_global_per_second THEN
      UPDATE "StripeRateWindow" SET "calls" = "calls" + 1 WHERE "key" = p_global AND "second" = v_second;
      UPDATE "StripeRatePace" SET "nextAt" = v_slot + make_interval(secs => p_interval_ms / 1000.0) WHERE "key" = p_endpoint;
      IF attempt = 1 AND v_calls = 0 THEN
        -- A new second: the budget's old seconds are of no use any more.
        DELETE FROM "StripeRateWindow" WHERE "key" = p_global AND "second" < v_now - interval '1 minute';
      END IF;
      RETURN ceil(extract(epoch FROM v_slot - v_now) * 1000)::integer;
    END IF;
    -- This second's global budget is spent: the endpoint's slot moves to the next second.
    v_slot := v_second + interval '1 second';
  END LOOP;
  RETURN -ceil(extract(epoch FROM v_slot - v_now) * 1000)::integer;
END;
$function$;
