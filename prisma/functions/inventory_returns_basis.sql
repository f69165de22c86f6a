CREATE OR REPLACE FUNCTION public.inventory_returns_basis(p_session text)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
AS $function$
BEGIN
  -- A fingerprint of a paid checkout's returns (each one's id, amount, status,
  -- lines and restocked units). The webhook decides a refund's units from the
  -- returns it read; inventory_record_return writes the decision only if the
  -- fingerprint is unchanged under its lock, so two refunds of one checkout
  -- decided at once never both claim the same units.
  RETURN coalesce((
    SELECT md5(string_agg(r."refundId" || ':' || r.amount || ':' || r.status || ':' || r.mapping || ':' || r.lines::text || ':' || r.restocked::text,
                          ',' ORDER BY r."refundId" COLLATE "C"))
    FROM "StockReturn" r WHERE r."sessionId" = p_session), '');
END;
$function$;
