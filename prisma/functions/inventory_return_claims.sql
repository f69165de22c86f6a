CREATE OR REPLACE FUNCTION public.inventory_return_claims(p_session text, p_except text)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
AS $function$
BEGIN
  -- Units of a paid checkout that its refunds have already accounted for, keyed
  -- sku U+001F variant key U+001F location: a return whose lines were decided
  -- (named in the refund's metadata, a full refund, an amount matched to units)
  -- claims its lines whatever became of them; one whose units were not known
  -- (amount unmatched or ambiguous) claims only what an operator restocked. The
  -- return p_except (the one being decided) is left out.
  RETURN (
    SELECT coalesce(jsonb_object_agg(k, q), '{}'::jsonb) FROM (
      SELECT (l->>'sku') || chr(31) || (l->>'variantKey') || chr(31) || (l->>'location') AS k, sum((l->>'quantity')::int) AS q
      FROM "StockReturn" r
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN r.mapping IN ('metadata', 'full', 'amount') THEN r.lines ELSE r.restocked END) l
      WHERE r."sessionId" = p_session AND r."refundId" IS DISTINCT FROM p_except
      GROUP BY 1) c);
END;
$function$;
