CREATE OR REPLACE FUNCTION public.inventory_settle_batch(p_shop text, p_ops jsonb, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_op jsonb;
  v_ord bigint;
  v_result jsonb;
  v_status text;
  v_results jsonb[] := '{}';
  v_fast bigint[];
  v_dupes bigint[];
  v_short jsonb;
  v_skus text[];
  v_keys text[];
  v_qtys integer[];
BEGIN
  -- Every settlement of a hold: commit (a sale), commit_paid (payment
  -- succeeded, whatever became of the hold), release, await_payment. One op
  -- is a batch of one. The holds named and their stock rows first.
  PERFORM inventory_lock(p_shop, NULL, ARRAY(SELECT DISTINCT o->>'holdId' FROM jsonb_array_elements(p_ops) o), '{}', '{}', false);

  -- Events handled before (a redelivery) change nothing. A duplicate racing
  -- in another transaction is still harmless: every op below is idempotent.
  -- The same event twice in one batch counts once: later copies are duplicates.
  SELECT coalesce(array_agg(o.ord), '{}') INTO v_dupes
  FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord)
  WHERE o.value->>'eventId' IS NOT NULL
    AND (EXISTS (SELECT 1 FROM "ProcessedWebhookEvent" e WHERE e.id = o.value->>'eventId')
      OR EXISTS (SELECT 1 FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS p(value, ord)
                 WHERE p.value->>'eventId' = o.value->>'eventId' AND p.ord < o.ord));

  -- Sales of active holds named by only this op in the batch (the flash-sale
  -- case) are sold together, in arrival order.
  SELECT coalesce(array_agg(o.ord ORDER BY o.ord), '{}') INTO v_fast
  FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord)
  JOIN "InventoryHold" h ON h.id = o.value->>'holdId' AND h."shopId" = p_shop AND h.status = 'active'
  WHERE o.value->>'kind' IN ('commit', 'commit_paid') AND NOT (o.ord = ANY (v_dupes))
    AND (SELECT count(*) FROM jsonb_array_elements(p_ops) x WHERE x->>'holdId' = o.value->>'holdId') = 1;
  IF cardinality(v_fast) > 0 THEN
    PERFORM inventory_sell_held(p_shop, (SELECT jsonb_agg(p_ops->(f - 1)::int ORDER BY f) FROM unnest(v_fast) f), p_now);
  END IF;

  FOR v_op, v_ord IN SELECT value, ord FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord) ORDER BY ord LOOP
    IF v_ord = ANY (v_dupes) THEN
      v_results := array_append(v_results, jsonb_build_object('outcome', 'duplicate'));
      CONTINUE;
    END IF;
    IF v_ord = ANY (v_fast) THEN
      v_results := array_append(v_results, jsonb_build_object('outcome', 'committed', 'status', 'committed'));
      CONTINUE;
    END IF;
    SELECT status INTO v_status FROM "InventoryHold" WHERE id = v_op->>'holdId' AND "shopId" = p_shop;
    IF NOT FOUND THEN
      v_result := jsonb_build_object('outcome', 'not_found');
    ELSIF v_op->>'kind' IN ('commit', 'commit_paid') THEN
      IF v_op->>'kind' = 'commit_paid' AND v_op->>'sessionId' IS NOT NULL THEN
        -- The session that paid: checkout records it when it creates the session; this covers one that could not.
        UPDATE "InventoryHold" SET "checkoutSessionId" = v_op->>'sessionId'
        WHERE id = v_op->>'holdId' AND "checkoutSessionId" IS NULL;
      END IF;
      IF v_status = 'active' THEN
        PERFORM inventory_sell_held(p_shop, jsonb_build_array(v_op), p_now);
        v_result := jsonb_build_object('outcome', 'committed', 'status', 'committed');
      ELSIF v_status = 'committed' THEN
        v_result := jsonb_build_object('outcome', 'already_committed', 'status', v_status);
      ELSIF v_op->>'kind' = 'commit' THEN
        v_result := jsonb_build_object('outcome', 'not_active', 'status', v_status);
      ELSIF EXISTS (SELECT 1 FROM "OversoldSale" WHERE "holdId" = v_op->>'holdId') THEN
        v_result := jsonb_build_object('outcome', 'oversold', 'status', v_status, 'repeated', true);
      ELSE
        -- Paid after the hold lapsed: sell from free stock if it is there, else record the oversold sale and touch nothing.
        SELECT array_agg(sku ORDER BY sku COLLATE "C", "variantKey" COLLATE "C"),
               array_agg("variantKey" ORDER BY sku COLLATE "C", "variantKey" COLLATE "C"),
               array_agg(qty ORDER BY sku COLLATE "C", "variantKey" COLLATE "C")
        INTO v_skus, v_keys, v_qtys
        FROM (SELECT sku, "variantKey", sum(quantity)::int AS qty FROM "InventoryHoldItem" WHERE "holdId" = v_op->>'holdId' GROUP BY 1, 2) lines;
        v_short := inventory_sell_unreserved(p_shop, v_op->>'holdId', v_skus, v_keys, v_qtys,
          coalesce(v_op->>'actor', 'checkout'), 'paid after the hold lapsed', p_now);
        IF jsonb_array_length(v_short) = 0 THEN
          UPDATE "InventoryHold" SET status = 'committed', "committedAt" = p_now, "updatedAt" = p_now WHERE id = v_op->>'holdId';
          v_result := jsonb_build_object('outcome', 'recommitted', 'status', 'committed');
        ELSE
          INSERT INTO "OversoldSale" (id, "shopId", "holdId", "checkoutSessionId", items, "createdAt")
          VALUES ('oversold_' || (v_op->>'holdId'), p_shop, v_op->>'holdId', v_op->>'sessionId', v_short, p_now);
          v_result := jsonb_build_object('outcome', 'oversold', 'status', v_status, 'insufficient', v_short);
        END IF;
      END IF;
    ELSIF v_op->>'kind' = 'release' THEN
      IF v_status = 'active' THEN
        PERFORM inventory_settle_holds(p_shop, ARRAY[v_op->>'holdId'], 'released', p_now);
        v_result := jsonb_build_object('outcome', 'released', 'status', 'released');
      ELSE
        v_result := jsonb_build_object('outcome', 'unchanged', 'status', v_status);
      END IF;
      IF (v_op->>'forgetKey')::boolean IS TRUE THEN
        UPDATE "InventoryHold" SET "idempotencyKey" = NULL
        WHERE id = v_op->>'holdId' AND "shopId" = p_shop AND status <> 'committed';
      END IF;
    ELSIF v_op->>'kind' = 'await_payment' THEN
      IF v_status = 'active' THEN
        UPDATE "InventoryHold" SET "expiresAt" = greatest("expiresAt", (v_op->>'until')::timestamptz), "updatedAt" = p_now
        WHERE id = v_op->>'holdId';
        v_result := jsonb_build_object('outcome', 'awaiting_payment', 'status', 'active');
      ELSE
        v_result := jsonb_build_object('outcome', 'unchanged', 'status', v_status);
      END IF;
    ELSE
      RAISE EXCEPTION 'inventory_settle_batch: unknown op kind %', v_op->>'kind';
    END IF;
    v_results := array_append(v_results, v_result);
  END LOOP;

  -- Each provider event acted on is recorded as handled, in this transaction.
  INSERT INTO "ProcessedWebhookEvent" (id, provider, type, "processedAt")
  SELECT o.value->>'eventId', 'stripe', coalesce(o.value->>'eventType', ''), p_now
  FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord)
  WHERE o.value->>'eventId' IS NOT NULL AND v_results[o.ord::int]->>'outcome' NOT IN ('not_found', 'duplicate')
  ON CONFLICT (id) DO NOTHING;
  RETURN to_jsonb(v_results);
END;
$function$;
