CREATE OR REPLACE FUNCTION public.inventory_decide_return(p_shop text, p_refund_id text, p_decision text, p_lines jsonb, p_note text, p_actor text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_session text;
  v_checkout "PaidCheckout"%ROWTYPE;
  v_return "StockReturn"%ROWTYPE;
  v_allowed jsonb;
  v_errors jsonb;
  v_restocked jsonb;
BEGIN
  -- An operator's decision on a pending return: `dismiss` (nothing goes back)
  -- or `restock` p_lines [{sku, variantKey, location, quantity}], each at most
  -- what the return's lines name, or, for a return whose units were not known,
  -- what the checkout has unreturned. Locks as inventory_record_return does,
  -- then the return row itself, and acts only while it is pending: a second
  -- decision, or one racing another operator, is a `conflict` and changes
  -- nothing. Bad lines answer {errors: [{index, field, message, max}]}.
  SELECT "sessionId" INTO v_session FROM "StockReturn" WHERE "refundId" = p_refund_id AND "shopId" = p_shop;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  SELECT * INTO v_checkout FROM "PaidCheckout" WHERE "sessionId" = v_session AND "shopId" = p_shop;
  PERFORM inventory_lock(p_shop, ARRAY['return:' || v_session], '{}',
    ARRAY(SELECT l->>'sku' FROM jsonb_array_elements(coalesce(v_checkout.lines, '[]'::jsonb)) l),
    ARRAY(SELECT l->>'variantKey' FROM jsonb_array_elements(coalesce(v_checkout.lines, '[]'::jsonb)) l), false);
  SELECT * INTO v_return FROM "StockReturn" WHERE "refundId" = p_refund_id FOR UPDATE;
  IF v_return.status <> 'pending' THEN
    RETURN jsonb_build_object('outcome', 'conflict', 'status', v_return.status);
  END IF;

  IF p_decision = 'dismiss' THEN
    UPDATE "StockReturn" SET status = 'dismissed', note = coalesce(p_note, note), "decidedBy" = p_actor,
      "decidedAt" = p_now, "updatedAt" = p_now
    WHERE "refundId" = p_refund_id;
    RETURN jsonb_build_object('outcome', 'dismissed', 'status', 'dismissed');
  END IF;

  -- What each line may take back, keyed sku U+001F variant key U+001F location.
  IF v_return.mapping IN ('metadata', 'full', 'amount') THEN
    SELECT coalesce(jsonb_object_agg(k, q), '{}'::jsonb) INTO v_allowed FROM (
      SELECT (l->>'sku') || chr(31) || (l->>'variantKey') || chr(31) || (l->>'location') AS k, sum((l->>'quantity')::int) AS q
      FROM jsonb_array_elements(v_return.lines) l GROUP BY 1) a;
  ELSE
    SELECT coalesce(jsonb_object_agg(s.k, greatest(s.q - coalesce((c.claims->>s.k)::int, 0), 0)), '{}'::jsonb) INTO v_allowed
    FROM (SELECT (l->>'sku') || chr(31) || (l->>'variantKey') || chr(31) || (l->>'location') AS k, sum((l->>'quantity')::int) AS q
          FROM jsonb_array_elements(coalesce(v_checkout.lines, '[]'::jsonb)) l GROUP BY 1) s
    CROSS JOIN (SELECT inventory_return_claims(v_session, p_refund_id) AS claims) c;
  END IF;
  SELECT jsonb_agg(e ORDER BY (e->>'index')::int) INTO v_errors FROM (
    SELECT jsonb_build_object('index', x.ord - 1, 'field', 'quantity', 'max', coalesce((v_allowed->>x.k)::int, 0),
             'message', CASE WHEN v_allowed ? x.k
               THEN 'at most ' || (v_allowed->>x.k) || ' of ' || (x.l->>'sku') || ' at ' || (x.l->>'location') || ' can go back'
               ELSE (x.l->>'sku') || ' at ' || (x.l->>'location') || ' is not a line of this return' END) AS e
    FROM (SELECT l, ord, (l->>'sku') || chr(31) || (l->>'variantKey') || chr(31) || (l->>'location') AS k,
                 sum((l->>'quantity')::int) OVER (PARTITION BY l->>'sku', l->>'variantKey', l->>'location') AS total
          FROM jsonb_array_elements(p_lines) WITH ORDINALITY AS y(l, ord)) x
    WHERE (x.l->>'quantity')::int > 0 AND (NOT v_allowed ? x.k OR x.total > (v_allowed->>x.k)::int)) errors;
  IF v_errors IS NOT NULL THEN
    RETURN jsonb_build_object('errors', v_errors);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_lines) l WHERE (l->>'quantity')::int > 0) THEN
    RETURN jsonb_build_object('errors', jsonb_build_array(jsonb_build_object('field', 'lines',
      'message', 'choose at least one unit to restock, or dismiss the return')));
  END IF;

  v_restocked := inventory_restock_return(p_shop, p_refund_id, v_checkout."holdId", p_lines, p_actor, p_now);
  UPDATE "StockReturn" SET status = 'restocked', restocked = v_restocked, note = coalesce(p_note, note),
    "decidedBy" = p_actor, "decidedAt" = p_now, "updatedAt" = p_now
  WHERE "refundId" = p_refund_id;
  RETURN jsonb_build_object('outcome', 'restocked', 'status', 'restocked', 'restocked', v_restocked);
END;
$function$;
