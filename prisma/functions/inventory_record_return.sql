CREATE OR REPLACE FUNCTION public.inventory_record_return(p_shop text, p_refund_id text, p_session text, p_payment_intent text, p_amount integer, p_currency text, p_status text, p_mapping text, p_lines jsonb, p_note text, p_basis text, p_actor text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_checkout "PaidCheckout"%ROWTYPE;
  v_existing "StockReturn"%ROWTYPE;
  v_claims jsonb;
  v_over jsonb;
  v_restocked jsonb := '[]'::jsonb;
BEGIN
  -- One Stripe refund of a paid checkout, recorded once (the refund id is the
  -- key): p_lines are the units it returns, decided by the caller from the
  -- returns it read (p_basis, inventory_returns_basis), and p_status what
  -- became of them. Under the checkout's lock (its key first, then its
  -- variants' stock rows, in inventory_lock's order) it answers `duplicate`
  -- when the refund is already recorded (a replay, a concurrent delivery, the
  -- same refund through another event), `stale` when another refund of the
  -- checkout was recorded since the caller read (decide again), and otherwise
  -- inserts the return and, when p_status is restocked, puts the units back
  -- (inventory_restock_return), so a refund restocks at most once.
  SELECT * INTO v_checkout FROM "PaidCheckout" WHERE "sessionId" = p_session AND "shopId" = p_shop;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'no_checkout');
  END IF;
  PERFORM inventory_lock(p_shop, ARRAY['return:' || p_session], '{}',
    ARRAY(SELECT l->>'sku' FROM jsonb_array_elements(v_checkout.lines) l),
    ARRAY(SELECT l->>'variantKey' FROM jsonb_array_elements(v_checkout.lines) l), false);

  SELECT * INTO v_existing FROM "StockReturn" WHERE "refundId" = p_refund_id;
  IF FOUND THEN
    RETURN jsonb_build_object('outcome', 'duplicate', 'status', v_existing.status);
  END IF;
  IF inventory_returns_basis(p_session) <> p_basis THEN
    RETURN jsonb_build_object('outcome', 'stale');
  END IF;

  -- Never more than was sold minus what other refunds accounted for (the caller decided from the same state; this
  -- holds the line should it not have).
  IF p_mapping IN ('metadata', 'full', 'amount') THEN
    v_claims := inventory_return_claims(p_session, p_refund_id);
    SELECT jsonb_agg(r) INTO v_over FROM (
      SELECT w.k, w.q AS wanted, coalesce(s.q, 0) - coalesce((v_claims->>w.k)::int, 0) AS unreturned
      FROM (SELECT (l->>'sku') || chr(31) || (l->>'variantKey') || chr(31) || (l->>'location') AS k, sum((l->>'quantity')::int) AS q
            FROM jsonb_array_elements(p_lines) l GROUP BY 1) w
      LEFT JOIN (SELECT (l->>'sku') || chr(31) || (l->>'variantKey') || chr(31) || (l->>'location') AS k, sum((l->>'quantity')::int) AS q
                 FROM jsonb_array_elements(v_checkout.lines) l GROUP BY 1) s ON s.k = w.k
      WHERE w.q > coalesce(s.q, 0) - coalesce((v_claims->>w.k)::int, 0)) r;
    IF v_over IS NOT NULL THEN
      RAISE EXCEPTION 'inventory_record_return: refund % returns more than checkout % has unreturned: %', p_refund_id, p_session, v_over;
    END IF;
  END IF;

  IF p_status = 'restocked' THEN
    v_restocked := inventory_restock_return(p_shop, p_refund_id, v_checkout."holdId", p_lines, p_actor, p_now);
  END IF;
  INSERT INTO "StockReturn" ("refundId", "shopId", "sessionId", "paymentIntentId", amount, currency, status, mapping, lines,
                             restocked, note, "decidedBy", "decidedAt", "createdAt", "updatedAt")
  VALUES (p_refund_id, p_shop, p_session, p_payment_intent, p_amount, p_currency, p_status, p_mapping, p_lines,
          v_restocked, p_note, CASE WHEN p_status = 'pending' THEN NULL ELSE p_actor END,
          CASE WHEN p_status = 'pending' THEN NULL ELSE p_now END, p_now, p_now);
  RETURN jsonb_build_object('outcome', 'recorded', 'status', p_status, 'restocked', v_restocked);
END;
$function$;
