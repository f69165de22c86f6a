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
BEGIN
  -- The global lock order up front: hold rows by id, then their stock rows.
  PERFORM 1 FROM "InventoryHold" h
  WHERE h."shopId" = p_shop AND h.id IN (SELECT o->>'holdId' FROM jsonb_array_elements(p_ops) o)
  ORDER BY h.id
  FOR UPDATE OF h;
  PERFORM 1 FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (
    SELECT hi.sku, hi."variantKey" FROM "InventoryHoldItem" hi
    WHERE hi."holdId" IN (SELECT o->>'holdId' FROM jsonb_array_elements(p_ops) o))
  ORDER BY i.sku COLLATE "C", i."variantKey" COLLATE "C"
  FOR UPDATE OF i;

  -- Events handled before (a redelivery) change nothing. A duplicate racing
  -- in another transaction is still harmless: every op below is idempotent.
  -- The same event twice in one batch counts once: later copies are duplicates.
  SELECT coalesce(array_agg(o.ord), '{}') INTO v_dupes
  FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord)
  WHERE o.value->>'eventId' IS NOT NULL
    AND (EXISTS (SELECT 1 FROM "ProcessedWebhookEvent" e WHERE e.id = o.value->>'eventId')
      OR EXISTS (SELECT 1 FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS p(value, ord)
                 WHERE p.value->>'eventId' = o.value->>'eventId' AND p.ord < o.ord));

  -- Fast path, set-based: paid commits of holds that are active and named by
  -- only this op in the batch (the flash-sale case). Ledger entries get the
  -- running quantity in arrival order, as one-by-one commits would.
  SELECT coalesce(array_agg(o.ord), '{}') INTO v_fast
  FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord)
  JOIN "InventoryHold" h ON h.id = o.value->>'holdId' AND h."shopId" = p_shop AND h.status = 'active'
  WHERE o.value->>'kind' = 'commit_paid' AND NOT (o.ord = ANY (v_dupes))
    AND (SELECT count(*) FROM jsonb_array_elements(p_ops) x WHERE x->>'holdId' = o.value->>'holdId') = 1;

  IF cardinality(v_fast) > 0 THEN
    WITH fast AS (
      SELECT f AS ord, p_ops->(f - 1)::int AS op FROM unnest(v_fast) f
    ), lines AS (
      SELECT fast.ord, fast.op->>'holdId' AS hold_id, coalesce(fast.op->>'actor', 'checkout') AS actor,
             hi.sku, hi."variantKey", sum(hi.quantity)::int AS qty
      FROM fast JOIN "InventoryHoldItem" hi ON hi."holdId" = fast.op->>'holdId'
      GROUP BY 1, 2, 3, 4, 5
    ), ledger AS (
      INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, "holdId", actor, "createdAt")
      SELECT p_shop, lines.sku, lines."variantKey", -lines.qty,
             i.quantity - sum(lines.qty) OVER (PARTITION BY lines.sku, lines."variantKey" ORDER BY lines.ord),
             'sale', lines.hold_id, lines.actor, p_now
      FROM lines JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = lines.sku AND i."variantKey" = lines."variantKey"
      ORDER BY lines.ord
      RETURNING 1
    ), holds AS (
      UPDATE "InventoryHold" h SET status = 'committed', "committedAt" = p_now, "updatedAt" = p_now,
        "checkoutSessionId" = coalesce(h."checkoutSessionId", fast.op->>'sessionId')
      FROM fast WHERE h.id = fast.op->>'holdId'
      RETURNING 1
    ), events AS (
      INSERT INTO "ProcessedWebhookEvent" (id, provider, type, "processedAt")
      SELECT fast.op->>'eventId', 'stripe', coalesce(fast.op->>'eventType', ''), p_now FROM fast WHERE fast.op->>'eventId' IS NOT NULL
      ON CONFLICT (id) DO NOTHING
      RETURNING 1
    )
    UPDATE "InventoryItem" i SET quantity = i.quantity - t.total, reserved = i.reserved - t.total,
      version = i.version + 1, "updatedAt" = p_now
    FROM (SELECT sku, "variantKey", sum(qty)::int AS total FROM lines GROUP BY 1, 2) t
    WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t."variantKey"
      AND (SELECT count(*) FROM ledger) >= 0 AND (SELECT count(*) FROM holds) >= 0 AND (SELECT count(*) FROM events) >= 0;
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
    IF v_op->>'kind' = 'commit_paid' THEN
      v_result := inventory_commit_paid_hold(p_shop, v_op->>'holdId', coalesce(v_op->>'actor', 'checkout'), v_op->>'sessionId', p_now);
    ELSIF v_op->>'kind' = 'release' THEN
      v_result := inventory_release_hold(p_shop, v_op->>'holdId', p_now);
      IF (v_op->>'forgetKey')::boolean IS TRUE THEN
        UPDATE "InventoryHold" SET "idempotencyKey" = NULL
        WHERE id = v_op->>'holdId' AND "shopId" = p_shop AND status <> 'committed';
      END IF;
    ELSIF v_op->>'kind' = 'await_payment' THEN
      SELECT status INTO v_status FROM "InventoryHold" WHERE id = v_op->>'holdId' AND "shopId" = p_shop;
      IF NOT FOUND THEN
        v_result := jsonb_build_object('outcome', 'not_found');
      ELSIF v_status = 'active' THEN
        UPDATE "InventoryHold" SET "expiresAt" = greatest("expiresAt", (v_op->>'until')::timestamptz), "updatedAt" = p_now
        WHERE id = v_op->>'holdId';
        v_result := jsonb_build_object('outcome', 'awaiting_payment', 'status', 'active');
      ELSE
        v_result := jsonb_build_object('outcome', 'unchanged', 'status', v_status);
      END IF;
    ELSE
      RAISE EXCEPTION 'inventory_settle_batch: unknown op kind %', v_op->>'kind';
    END IF;
    IF v_op->>'eventId' IS NOT NULL AND v_result->>'outcome' <> 'not_found' THEN
      INSERT INTO "ProcessedWebhookEvent" (id, provider, type, "processedAt")
      VALUES (v_op->>'eventId', 'stripe', coalesce(v_op->>'eventType', ''), p_now)
      ON CONFLICT (id) DO NOTHING;
    END IF;
    v_results := array_append(v_results, v_result);
  END LOOP;
  RETURN to_jsonb(v_results);
END;
$function$;
