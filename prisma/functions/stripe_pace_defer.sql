CREATE OR REPLACE FUNCTION public.stripe_pace_defer(p_endpoint text, p_global text, p_global_per_second integer, p_ms integer)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
DECLARE
  -- Stripe throttled a call anyway (another client of the account, a lower
  -- limit than configured). An endpoint limit: no instance starts a call on
  -- the endpoint for p_ms from now. A global limit (p_global not null): the
  -- account's budget is spent for the seconds until then.
  v_until timestamptz := date_trunc('milliseconds', clock_timestamp()) + make_interval(secs => p_ms / 1000.0);
BEGIN
  INSERT INTO "StripeRatePace" ("key", "nextAt") VALUES (p_endpoint, v_until)
  ON CONFLICT ("key") DO UPDATE SET "nextAt" = greatest("StripeRatePace"."nextAt", EXCLUDED."nextAt");
  IF p_global IS NOT NULL THEN
    INSERT INTO "StripeRateWindow" ("key", "second", "calls")
    SELECT p_global, s, p_global_per_second
    FROM generate_series(date_trunc('second', clock_timestamp()), date_trunc('second', v_until), interval '1 second') s
    ON CONFLICT ("key", "second") DO UPDATE SET "calls" = greatest("StripeRateWindow"."calls", EXCLUDED."calls");
  END IF;
END;
$function$;
