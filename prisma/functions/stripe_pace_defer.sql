CREATE OR REPLACE FUNCTION public.stripe_pace_defer(p_keys text[], p_ms integer)
 RETURNS void
 LANGUAGE sql
AS $function$
  -- Stripe throttled a call anyway (another client of the account, a lower
  -- limit than configured): no instance starts a call on these keys for
  -- p_ms from now.
  INSERT INTO "StripeRatePace" ("key", "nextAt")
  SELECT k, clock_timestamp() + make_interval(secs => p_ms / 1000.0) FROM unnest(p_keys) k ORDER BY k COLLATE "C"
  ON CONFLICT ("key") DO UPDATE SET "nextAt" = greatest("StripeRatePace"."nextAt", EXCLUDED."nextAt");
$function$;
