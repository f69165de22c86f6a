-- Refunds put sold units back (docs/returns.md): each StockReturn says how its
-- units were found (`mapping`) and which units went back to stock
-- (`restocked`); the functions that record a refund's return and an
-- operator's decision on a pending one, restocking at most once.
--
-- Only StockReturn changes, a table no released code writes yet: the ALTERs
-- take its lock alone, and the functions are new.

ALTER TABLE "StockReturn" ADD COLUMN "mapping" TEXT NOT NULL DEFAULT 'unmatched';
ALTER TABLE "StockReturn" ADD COLUMN "restocked" JSONB NOT NULL DEFAULT '[]';

-- Invariants the schema language cannot express.
ALTER TABLE "StockReturn" ADD CONSTRAINT "StockReturn_mapping_known"
  CHECK ("mapping" IN ('metadata', 'full', 'amount', 'unmatched', 'ambiguous'));

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

CREATE OR REPLACE FUNCTION public.inventory_restock_return(p_shop text, p_refund_id text, p_hold_id text, p_lines jsonb, p_actor text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  v_lines jsonb;
BEGIN
  -- Puts a return's units back at the locations they were sold from: each
  -- line [{sku, variantKey, location, quantity}] adds to that location's
  -- quantity, to the shop's online total when the location counts online
  -- (an inactive or offline location keeps them off sale until an operator
  -- moves them), and writes a `return` ledger entry with the refund id as its
  -- reference. The caller holds the variants' stock rows (inventory_lock). A
  -- location the shop no longer has takes the units at main; a variant that
  -- no longer exists is skipped. Returns the lines restocked, with the
  -- location that took them.
  INSERT INTO "StockLocation" ("shopId", code, name, "updatedAt") VALUES (p_shop, 'main', 'Main warehouse', p_now)
  ON CONFLICT DO NOTHING;
  -- Shared locks on the locations named, after the stock rows, as inventory_write_levels takes them: a location going
  -- on or offline waits for this restock, or this restock for it.
  PERFORM 1 FROM "StockLocation"
  WHERE "shopId" = p_shop AND code IN (SELECT l->>'location' FROM jsonb_array_elements(p_lines) l UNION SELECT 'main')
  ORDER BY code COLLATE "C" FOR SHARE;
  WITH wanted AS (
    SELECT l->>'sku' AS sku, l->>'variantKey' AS key,
           coalesce(s.code, 'main') AS location, sum((l->>'quantity')::int)::int AS qty, min(x.ord) AS ord
    FROM jsonb_array_elements(p_lines) WITH ORDINALITY AS x(l, ord)
    LEFT JOIN "StockLocation" s ON s."shopId" = p_shop AND s.code = l->>'location'
    WHERE (l->>'quantity')::int > 0
    GROUP BY 1, 2, 3
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object('sku', w.sku, 'variantKey', w.key, 'location', w.location,
           'quantity', w.qty, 'online', s.active AND s."fulfilsOnline") ORDER BY w.ord, w.location COLLATE "C"), '[]'::jsonb)
  INTO v_lines
  FROM wanted w
  JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = w.sku AND i."variantKey" = w.key
  JOIN "StockLocation" s ON s."shopId" = p_shop AND s.code = w.location;
  IF jsonb_array_length(v_lines) = 0 THEN
    RETURN v_lines;
  END IF;

  INSERT INTO "InventoryLevel" ("shopId", sku, "variantKey", location, quantity, reserved, "updatedAt")
  SELECT p_shop, l->>'sku', l->>'variantKey', l->>'location', 0, 0, p_now FROM jsonb_array_elements(v_lines) l
  ON CONFLICT ("shopId", sku, "variantKey", location) DO NOTHING;
  WITH levels AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity + (l->>'quantity')::int, "updatedAt" = p_now
    FROM jsonb_array_elements(v_lines) WITH ORDINALITY AS x(l, ord)
    WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = l->>'location'
    RETURNING lv.sku, lv."variantKey", lv.location, lv.quantity, (l->>'quantity')::int AS qty, x.ord
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, "holdId", actor, note, reference, "createdAt")
  SELECT p_shop, sku, "variantKey", location, qty, quantity, 'return', p_hold_id, p_actor, 'refund ' || p_refund_id, p_refund_id, p_now
  FROM levels ORDER BY ord;
  UPDATE "InventoryItem" i SET quantity = i.quantity + t.qty, version = i.version + 1, "updatedAt" = p_now
  FROM (SELECT l->>'sku' AS sku, l->>'variantKey' AS key, sum((l->>'quantity')::int)::int AS qty
        FROM jsonb_array_elements(v_lines) l WHERE (l->>'online')::boolean GROUP BY 1, 2) t
  WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t.key;
  RETURN (SELECT jsonb_agg(l - 'online') FROM jsonb_array_elements(v_lines) l);
END;
$function$;

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

