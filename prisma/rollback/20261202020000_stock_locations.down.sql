-- Rollback of the move to stock locations: 20261202020000_stock_locations and every migration after it (functions of
-- locations; then stock events, the sync API and returns, whose tables, columns and functions go too: their rows, the
-- events outbox, webhook subscriptions, integrations and their tokens, recorded refunds, are lost). Run by hand, on a direct connection (not through a pooler), once every
-- instance runs the release from before locations (docs/locations-migration.md, "Rollback"):
--
--   psql "$DIRECT_DATABASE_URL" -v ON_ERROR_STOP=1 -f prisma/rollback/20261202020000_stock_locations.down.sql
--
-- test/locations-migration.test.ts compares what it leaves with a database migrated up to (not including)
-- 20261202020000_stock_locations, table by table and function by function: a later migration that changes something
-- else fails that test until this script takes it back too.
--
-- It refuses, changing nothing (SQLSTATE 55000, object_not_in_prerequisite_state, with what is in the way and what
-- to do), while any shop keeps stock, held units or incoming units at a location other than main, a transfer is in
-- transit, or a variant's InventoryItem is not what its main location holds (main inactive or not fulfilling online,
-- or drift). The code from before locations reads one number per variant, InventoryItem, the sum over the online
-- locations; folding another location's units into it would put a store's stock, or stock that is not online, on
-- sale. Such stock is moved to main first, by a transfer the ledger records.
--
-- Two transactions, so that no checkout fails at the rollback's commit:
-- 1. The four hold functions the migrations replaced get their definitions from before them back. The location tables and
--    the trigger stay: with every unit at main, the old functions and the trigger keep each book, as they do for the
--    release before locations while the migration is in place. A checkout that began under the functions with
--    locations still finds the tables it reads, and the old functions it calls keep to the trigger (they run with
--    acme.locations off until step 2).
-- 2. Two seconds later (such a checkout has finished), under the tables' locks taken as the migration takes them, the
--    checks again, then the rest goes: the trigger, the functions the migrations added, the location tables and
--    columns, and the migrations' rows in _prisma_migrations, so `prisma migrate deploy` (or `pnpm db:migrate`)
--    applies them again later. What it keeps: every ledger row (a row at another location gets
--    "(at location <code>)" added to its note before the column goes), every hold and its lines (a settled hold's line
--    split across locations is one line again), InventoryItem as it is.
-- Run again after a failure: the first step changes nothing the second time, and the second is all or nothing. After
-- it, the database is exactly what the migrations before 20261202020000_stock_locations build.

-- The refusals, one function for both steps (this session only).
CREATE OR REPLACE FUNCTION pg_temp.stock_locations_rollback_refusals() RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  v_stock text;
  v_transfers text;
  v_totals text;
BEGIN
  IF to_regclass('"InventoryLevel"') IS NULL THEN
    RAISE EXCEPTION 'stock locations are not applied here: nothing to roll back'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;

  SELECT string_agg(format('%s %s%s at %s: quantity %s, reserved %s, incoming %s', x."shopId", x.sku,
           CASE WHEN x."variantKey" = '' THEN '' ELSE ' [' || x."variantKey" || ']' END, x.location, x.quantity, x.reserved,
           x.incoming), '; ')
  INTO v_stock
  FROM (
    SELECT lv.* FROM "InventoryLevel" lv
    WHERE lv.location <> 'main' AND (lv.quantity <> 0 OR lv.reserved <> 0 OR lv.incoming <> 0)
    ORDER BY lv."shopId" COLLATE "C", lv.sku COLLATE "C", lv."variantKey" COLLATE "C", lv.location COLLATE "C" LIMIT 5
  ) x;
  IF v_stock IS NOT NULL THEN
    RAISE EXCEPTION 'cannot roll back stock locations: stock is kept at locations other than main (%)', v_stock
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Let holds there settle, receive transfers in transit, transfer the units to main (the CMS, or POST /api/shops/<shop>/locations/transfers), then run this again.';
  END IF;

  SELECT string_agg(format('%s %s (%s to %s)', t."shopId", t.id, t."fromLocation", t."toLocation"), '; ') INTO v_transfers
  FROM (SELECT * FROM "StockTransfer" WHERE status = 'in_transit' ORDER BY "shopId" COLLATE "C", id COLLATE "C" LIMIT 5) t;
  IF v_transfers IS NOT NULL THEN
    RAISE EXCEPTION 'cannot roll back stock locations: transfers are in transit (%)', v_transfers
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Receive them, move their units to main, then run this again.';
  END IF;

  SELECT string_agg(format('%s %s%s: InventoryItem %s/%s reserved, main %s/%s reserved', x."shopId", x.sku,
           CASE WHEN x."variantKey" = '' THEN '' ELSE ' [' || x."variantKey" || ']' END, x.quantity, x.reserved, x.main_quantity,
           x.main_reserved), '; ')
  INTO v_totals
  FROM (
    SELECT i."shopId", i.sku, i."variantKey", i.quantity, i.reserved,
           coalesce(lv.quantity, 0) AS main_quantity, coalesce(lv.reserved, 0) AS main_reserved
    FROM "InventoryItem" i
    LEFT JOIN "InventoryLevel" lv ON lv."shopId" = i."shopId" AND lv.sku = i.sku AND lv."variantKey" = i."variantKey" AND lv.location = 'main'
    LEFT JOIN "StockLocation" l ON l."shopId" = i."shopId" AND l.code = 'main'
    WHERE i.quantity <> coalesce(lv.quantity, 0) OR i.reserved <> coalesce(lv.reserved, 0)
       OR ((i.quantity <> 0 OR i.reserved <> 0) AND NOT coalesce(l.active AND l."fulfilsOnline", false))
    ORDER BY i."shopId" COLLATE "C", i.sku COLLATE "C", i."variantKey" COLLATE "C" LIMIT 5
  ) x;
  IF v_totals IS NOT NULL THEN
    RAISE EXCEPTION 'cannot roll back stock locations: InventoryItem is not what the main location holds (%)', v_totals
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Make main active and fulfilling online, check the books with the location reconciliation (LocationStore.reconcile) and settle any drift, then run this again.';
  END IF;
END;
$$;

-- 1. The hold functions from before locations.
BEGIN;
-- Prisma's migration lock: no migration run (ours or prisma migrate deploy) in between.
SET LOCAL lock_timeout = '60s';
SELECT pg_advisory_xact_lock(72707369);
SELECT pg_temp.stock_locations_rollback_refusals();

-- Each its latest definition before 20261202020000_stock_locations.

-- inventory_create_holds_batch, from 20261201195644_client_caps_and_limits.
CREATE OR REPLACE FUNCTION public.inventory_create_holds_batch(p_shop text, p_requests jsonb, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_request jsonb;
  v_ord bigint;
  v_line jsonb;
  v_results jsonb[] := '{}';
  v_granted bigint[] := '{}';
  v_granted_expires timestamptz[] := '{}';
  v_granted_open timestamptz[] := '{}';
  v_pos integer;
  v_limits jsonb;
  v_limited text[];
  v_has_clients boolean;
  v_policy record;
  v_usage jsonb := '{}';
  v_clients text[];
  v_client text;
  v_client_usage jsonb;
  v_units integer;
  v_limit integer;
  v_already integer;
  v_over jsonb;
  v_capped jsonb;
  v_expires timestamptz;
  v_open timestamptz;
  v_repeats text[] := '{}';
  v_track boolean := false;
  v_addresses text[];
  v_buyers text[];
  v_named bigint;
  v_named_clients text[];
  v_existing record;
  v_key text;
  v_avail jsonb;
  v_variant text;
  v_left integer;
  v_ok boolean;
  v_short jsonb;
  v_any_expired boolean;
  v_skus text[];
  v_keys text[];
  v_line_skus text[];
  v_line_keys text[];
  v_line_count integer;
  v_i integer;
BEGIN
  -- The idempotency keys first (the global lock order, inventory_lock):
  -- requests with the same key queue here, so the second always sees the
  -- first one's hold.
  PERFORM inventory_lock(p_shop, ARRAY(SELECT r->>'idempotencyKey' FROM jsonb_array_elements(p_requests) r), '{}', '{}', '{}', false);

  -- Then the shop's client buckets its requests name, in order (only hold
  -- creation takes these, always after the idempotency keys and before any
  -- row): two transactions never count one client's holds at the same time,
  -- so parallel requests cannot pass a cap or a purchase limit together.
  -- Clients share 64 buckets per shop, so a batch of a thousand buyers takes
  -- at most 64 locks (PostgreSQL's lock table is finite); the repeats, the
  -- clients named more than once in this batch, are counted as it goes.
  -- One pass over the requests for the clients they name; a second only
  -- when a client comes more than once (the distinct keys are fewer than the
  -- names), to know which.
  SELECT coalesce(array_agg(DISTINCT 'a:' || (r->>'clientAddress')) FILTER (WHERE r ? 'clientAddress'), '{}')
         || coalesce(array_agg(DISTINCT 'b:' || (r->>'clientBuyer')) FILTER (WHERE r ? 'clientBuyer'), '{}'),
         count(r->>'clientAddress') + count(r->>'clientBuyer')
  INTO v_named_clients, v_named FROM jsonb_array_elements(p_requests) r;
  v_has_clients := v_named > 0;
  IF v_has_clients THEN
    v_addresses := ARRAY(SELECT substr(k, 3) FROM unnest(v_named_clients) k WHERE k LIKE 'a:%');
    v_buyers := ARRAY(SELECT substr(k, 3) FROM unnest(v_named_clients) k WHERE k LIKE 'b:%');
    IF v_named > cardinality(v_named_clients) THEN
      SELECT coalesce(array_agg(key) FILTER (WHERE n > 1), '{}') INTO v_repeats FROM (
        SELECT key, count(*) AS n FROM (
          SELECT 'a:' || (r->>'clientAddress') AS key FROM jsonb_array_elements(p_requests) r
          UNION ALL SELECT 'b:' || (r->>'clientBuyer') FROM jsonb_array_elements(p_requests) r
        ) named WHERE key IS NOT NULL GROUP BY key
      ) counted;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(p_shop || ':client-bucket:' || b.bucket, 7319))
    FROM (SELECT DISTINCT hashtextextended(k, 0) & 63 AS bucket FROM unnest(v_named_clients) k ORDER BY 1) b;
  END IF;

  -- Every distinct variant the batch asks for.
  SELECT array_agg(d.sku), array_agg(d.key) INTO v_skus, v_keys
  FROM (
    SELECT DISTINCT l->>'sku' AS sku, l->>'variantKey' AS key
    FROM jsonb_array_elements(p_requests) r, jsonb_array_elements(r->'lines') l
  ) d;

  -- Expired holds on these variants never block a buyer: expire them here,
  -- before any request is decided. Holds a concurrent settlement has locked
  -- are skipped; a request they leave short is answered hasExpiredHolds, and
  -- the store asks once more.
  v_any_expired := inventory_has_expired_holds(p_shop, v_skus, v_keys, p_now);
  IF v_any_expired THEN
    PERFORM inventory_expire_holds_on(p_shop, v_skus, v_keys, p_now);
    v_any_expired := inventory_has_expired_holds(p_shop, v_skus, v_keys, p_now);
  END IF;

  -- Lock every stock row any request touches and read what is available.
  -- Keys join sku and variant key with U+001F, which neither may contain.
  PERFORM inventory_lock(p_shop, NULL, '{}', v_skus, v_keys, false);
  SELECT coalesce(jsonb_object_agg(i.sku || chr(31) || i."variantKey", i.quantity - i.reserved), '{}'::jsonb),
         coalesce(jsonb_object_agg(i.sku || chr(31) || i."variantKey", i."purchaseLimit") FILTER (WHERE i."purchaseLimit" IS NOT NULL), '{}'::jsonb)
  INTO v_avail, v_limits
  FROM "InventoryItem" i
  WHERE i."shopId" = p_shop AND (i.sku, i."variantKey") IN (SELECT * FROM unnest(v_skus, v_keys));

  -- The shop's caps (only when a request names a client) and what those
  -- clients hold already; the unopened-hold time (only for checkout holds).
  IF v_has_clients OR EXISTS (SELECT 1 FROM jsonb_array_elements(p_requests) r WHERE (r->>'lapseUnopened')::boolean) THEN
    SELECT * INTO v_policy FROM inventory_hold_policy(p_shop);
  END IF;
  IF v_has_clients THEN
    SELECT coalesce(array_agg(k), '{}') INTO v_limited FROM jsonb_object_keys(v_limits) k;
    v_usage := inventory_client_usage(p_shop, v_addresses, v_buyers, v_limited, p_now);
    v_track := v_usage <> '{}'::jsonb OR cardinality(v_repeats) > 0;
  END IF;

  FOR v_request, v_ord IN SELECT value, ord FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS r(value, ord) ORDER BY ord LOOP
    v_key := v_request->>'idempotencyKey';
    IF v_key IS NOT NULL THEN
      SELECT id, "expiresAt", "openExpiresAt", status, "requestFingerprint" INTO v_existing FROM "InventoryHold"
      WHERE "shopId" = p_shop AND "idempotencyKey" = v_key;
      IF FOUND THEN
        v_results := array_append(v_results, jsonb_build_object('outcome', 'existing', 'holdId', v_existing.id,
          'expiresAt', v_existing."expiresAt", 'openExpiresAt', v_existing."openExpiresAt", 'status', v_existing.status,
          'sameRequest', v_existing."requestFingerprint" IS NOT DISTINCT FROM (v_request->>'fingerprint')));
        CONTINUE;
      END IF;
      -- A later request in this batch with the same key sees this one as existing.
      SELECT i INTO v_pos FROM generate_subscripts(v_granted, 1) i WHERE p_requests->(v_granted[i] - 1)::int->>'idempotencyKey' = v_key LIMIT 1;
      IF v_pos IS NOT NULL THEN
        v_results := array_append(v_results, jsonb_build_object('outcome', 'existing',
          'holdId', p_requests->(v_granted[v_pos] - 1)::int->>'holdId', 'expiresAt', v_granted_expires[v_pos],
          'openExpiresAt', v_granted_open[v_pos], 'status', 'active',
          'sameRequest', (p_requests->(v_granted[v_pos] - 1)::int->>'fingerprint') IS NOT DISTINCT FROM (v_request->>'fingerprint')));
        CONTINUE;
      END IF;
    END IF;

    v_line_count := jsonb_array_length(v_request->'lines');

    -- Purchase limits: this checkout's units of a limited variant, with those
    -- the client (by address or by buyer) already holds or bought.
    v_over := NULL;
    IF v_limits <> '{}'::jsonb THEN
      FOR v_i IN 0 .. v_line_count - 1 LOOP
        v_line := v_request->'lines'->v_i;
        v_variant := (v_line->>'sku') || chr(31) || (v_line->>'variantKey');
        v_limit := (v_limits->>v_variant)::int;
        CONTINUE WHEN v_limit IS NULL;
        v_already := greatest(coalesce((v_usage->>('a:' || (v_request->>'clientAddress') || chr(31) || v_variant))::int, 0),
                              coalesce((v_usage->>('b:' || (v_request->>'clientBuyer') || chr(31) || v_variant))::int, 0));
        IF (v_line->>'quantity')::int + v_already > v_limit THEN
          v_over := coalesce(v_over, '[]'::jsonb) || jsonb_build_object('sku', v_line->>'sku', 'variantKey', v_line->>'variantKey',
            'requested', (v_line->>'quantity')::int, 'limit', v_limit, 'alreadyHeld', v_already);
        END IF;
      END LOOP;
      IF v_over IS NOT NULL THEN
        v_results := array_append(v_results, jsonb_build_object('outcome', 'limited', 'lines', v_over));
        CONTINUE;
      END IF;
    END IF;

    -- Caps: one more hold, and this many more units, for each client the
    -- request names. A client that holds nothing and is named once in the
    -- batch (a buyer, in a sale) can only be over by this request alone, so
    -- only when some client holds something or comes again (v_track) is
    -- each one counted.
    v_capped := NULL;
    v_clients := '{}';
    IF v_has_clients AND (v_request ? 'clientAddress' OR v_request ? 'clientBuyer') THEN
      v_units := 0;
      FOR v_i IN 0 .. v_line_count - 1 LOOP
        v_units := v_units + (v_request->'lines'->v_i->>'quantity')::int;
      END LOOP;
      IF v_track THEN
        v_clients := ARRAY_REMOVE(ARRAY['a:' || (v_request->>'clientAddress'), 'b:' || (v_request->>'clientBuyer')], NULL);
        FOREACH v_client IN ARRAY v_clients LOOP
          v_client_usage := coalesce(v_usage->v_client, jsonb_build_object('holds', 0, 'units', 0));
          IF (v_client_usage->>'holds')::int + 1 > v_policy."maxActiveHoldsPerClient" THEN
            v_capped := jsonb_build_object('cap', 'holds', 'limit', v_policy."maxActiveHoldsPerClient");
          ELSIF (v_client_usage->>'units')::int + v_units > v_policy."maxHeldUnitsPerClient" THEN
            v_capped := jsonb_build_object('cap', 'units', 'limit', v_policy."maxHeldUnitsPerClient");
          END IF;
          IF v_capped IS NOT NULL THEN
            -- Worth asking again once the client's first hold lapses; never, when this request alone is over the cap.
            v_results := array_append(v_results, v_capped || jsonb_build_object('outcome', 'capped',
              'client', CASE WHEN v_client LIKE 'a:%' THEN 'address' ELSE 'buyer' END,
              'retryAfterSeconds', CASE WHEN (v_client_usage->>'holds')::int = 0 THEN NULL
                ELSE greatest(1, ceil(extract(epoch FROM ((v_client_usage->>'earliest')::timestamptz - p_now))))::int END));
            EXIT;
          END IF;
        END LOOP;
      ELSIF v_units > v_policy."maxHeldUnitsPerClient" THEN
        v_capped := jsonb_build_object('outcome', 'capped', 'cap', 'units', 'limit', v_policy."maxHeldUnitsPerClient",
          'client', CASE WHEN v_request ? 'clientAddress' THEN 'address' ELSE 'buyer' END, 'retryAfterSeconds', NULL);
        v_results := array_append(v_results, v_capped);
      END IF;
      CONTINUE WHEN v_capped IS NOT NULL;
    END IF;

    v_ok := true;
    -- Lines are walked by index, not with a query per request (each query costs an executor start).
    FOR v_i IN 0 .. v_line_count - 1 LOOP
      v_line := v_request->'lines'->v_i;
      v_left := (v_avail->>((v_line->>'sku') || chr(31) || (v_line->>'variantKey')))::int;
      IF v_left IS NULL OR v_left < (v_line->>'quantity')::int THEN
        v_ok := false;
        EXIT;
      END IF;
    END LOOP;

    IF v_ok THEN
      FOR v_i IN 0 .. v_line_count - 1 LOOP
        v_line := v_request->'lines'->v_i;
        v_variant := (v_line->>'sku') || chr(31) || (v_line->>'variantKey');
        v_avail := jsonb_set(v_avail, ARRAY[v_variant], to_jsonb((v_avail->>v_variant)::int - (v_line->>'quantity')::int));
      END LOOP;
      -- A checkout's hold lapses early until its payment page is opened (inventory_open_hold).
      v_expires := (v_request->>'expiresAt')::timestamptz;
      v_open := NULL;
      IF (v_request->>'lapseUnopened')::boolean THEN
        v_open := v_expires;
        v_expires := least(v_expires, p_now + make_interval(secs => v_policy."unopenedHoldSeconds"));
      END IF;
      FOREACH v_client IN ARRAY v_clients LOOP
        -- Only a client this batch names again needs its count carried forward.
        CONTINUE WHEN NOT (v_client = ANY (v_repeats));
        v_client_usage := coalesce(v_usage->v_client, jsonb_build_object('holds', 0, 'units', 0));
        v_usage := v_usage || jsonb_build_object(v_client, jsonb_build_object('holds', (v_client_usage->>'holds')::int + 1,
          'units', (v_client_usage->>'units')::int + v_units,
          'earliest', least(coalesce((v_client_usage->>'earliest')::timestamptz, v_expires), v_expires)));
        IF v_limits <> '{}'::jsonb THEN
          FOR v_i IN 0 .. v_line_count - 1 LOOP
            v_line := v_request->'lines'->v_i;
            v_variant := (v_line->>'sku') || chr(31) || (v_line->>'variantKey');
            CONTINUE WHEN v_limits->>v_variant IS NULL;
            v_usage := v_usage || jsonb_build_object(v_client || chr(31) || v_variant,
              coalesce((v_usage->>(v_client || chr(31) || v_variant))::int, 0) + (v_line->>'quantity')::int);
          END LOOP;
        END IF;
      END LOOP;
      v_granted := array_append(v_granted, v_ord);
      v_granted_expires := array_append(v_granted_expires, v_expires);
      v_granted_open := array_append(v_granted_open, v_open);
      v_results := array_append(v_results, jsonb_build_object('outcome', 'created', 'holdId', v_request->>'holdId',
        'expiresAt', v_expires, 'openExpiresAt', v_open, 'status', 'active'));
    ELSE
      SELECT coalesce(jsonb_agg(jsonb_build_object('sku', l->>'sku', 'variantKey', l->>'variantKey', 'requested', (l->>'quantity')::int,
               'available', greatest(coalesce((v_avail->>((l->>'sku') || chr(31) || (l->>'variantKey')))::int, 0), 0))), '[]'::jsonb)
      INTO v_short
      FROM jsonb_array_elements(v_request->'lines') l
      WHERE coalesce((v_avail->>((l->>'sku') || chr(31) || (l->>'variantKey')))::int, 0) < (l->>'quantity')::int;
      IF v_any_expired THEN
        SELECT array_agg(l->>'sku'), array_agg(l->>'variantKey') INTO v_line_skus, v_line_keys FROM jsonb_array_elements(v_request->'lines') l;
      END IF;
      v_results := array_append(v_results, jsonb_build_object('outcome', 'insufficient', 'insufficient', v_short,
        'hasExpiredHolds', v_any_expired AND inventory_has_expired_holds(p_shop, v_line_skus, v_line_keys, p_now)));
    END IF;
  END LOOP;

  IF cardinality(v_granted) > 0 THEN
    WITH granted AS (
      SELECT p_requests->(g - 1)::int AS request, e AS expires_at, o AS open_expires_at
      FROM unnest(v_granted, v_granted_expires, v_granted_open) AS t(g, e, o)
    ), lines AS (
      SELECT request->>'holdId' AS hold_id, l.value AS line, l.ord
      FROM granted, jsonb_array_elements(request->'lines') WITH ORDINALITY AS l(value, ord)
    ), holds AS (
      INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt", "idempotencyKey", "requestFingerprint",
                                   "clientAddress", "clientBuyer", "openExpiresAt")
      SELECT request->>'holdId', p_shop, 'active', expires_at, p_now, p_now,
             request->>'idempotencyKey', request->>'fingerprint', request->>'clientAddress', request->>'clientBuyer', open_expires_at
      FROM granted
      RETURNING id
    ), items AS (
      INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity)
      SELECT lines.hold_id || ':' || lines.ord, lines.hold_id, p_shop, lines.line->>'sku',
             coalesce(lines.line->>'productId', i."productId"), lines.line->>'variantKey',
             coalesce(lines.line->'variantAttributes', i."variantAttributes"), (lines.line->>'quantity')::int
      FROM lines JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = lines.line->>'sku' AND i."variantKey" = lines.line->>'variantKey'
      RETURNING 1
    )
    UPDATE "InventoryItem" i SET reserved = i.reserved + t.qty, "updatedAt" = p_now
    FROM (
      SELECT line->>'sku' AS sku, line->>'variantKey' AS key, sum((line->>'quantity')::int)::int AS qty
      FROM lines GROUP BY 1, 2
    ) t
    WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t.key
      AND (SELECT count(*) FROM holds) >= 0 AND (SELECT count(*) FROM items) >= 0;
  END IF;
  RETURN to_jsonb(v_results);
END;
$function$;

-- inventory_sell_held, from 20261201153310_one_path_per_rule.
CREATE OR REPLACE FUNCTION public.inventory_sell_held(p_shop text, p_ops jsonb, p_now timestamp with time zone)
 RETURNS void
 LANGUAGE sql
AS $function$
  -- Sells active holds: their units leave quantity and reserved, each line
  -- gets a sale ledger entry (the running quantity in array order, as
  -- one-by-one sales would), and each hold turns committed, recording the
  -- paying Checkout Session when it names none yet. p_ops: [{holdId, actor,
  -- sessionId?}], each an active hold named once, whose hold and stock rows
  -- the caller has locked (inventory_lock). The only way held stock is sold.
  WITH ops AS (
    SELECT o.ord, o.value AS op FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord)
  ), lines AS (
    SELECT ops.ord, ops.op->>'holdId' AS hold_id, coalesce(ops.op->>'actor', 'checkout') AS actor,
           hi.sku, hi."variantKey", sum(hi.quantity)::int AS qty
    FROM ops JOIN "InventoryHoldItem" hi ON hi."holdId" = ops.op->>'holdId'
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
      "checkoutSessionId" = coalesce(h."checkoutSessionId", ops.op->>'sessionId')
    FROM ops WHERE h.id = ops.op->>'holdId' AND h."shopId" = p_shop
    RETURNING 1
  )
  UPDATE "InventoryItem" i SET quantity = i.quantity - t.total, reserved = i.reserved - t.total,
    version = i.version + 1, "updatedAt" = p_now
  FROM (SELECT sku, "variantKey", sum(qty)::int AS total FROM lines GROUP BY 1, 2) t
  WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t."variantKey"
    AND (SELECT count(*) FROM ledger) >= 0 AND (SELECT count(*) FROM holds) >= 0;
$function$;

-- inventory_sell_unreserved, from 20261201153310_one_path_per_rule.
CREATE OR REPLACE FUNCTION public.inventory_sell_unreserved(p_shop text, p_hold_id text, p_skus text[], p_keys text[], p_quantities integer[], p_actor text, p_note text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_short jsonb;
BEGIN
  PERFORM inventory_lock(p_shop, NULL, '{}', p_skus, p_keys, false);
  v_short := inventory_shortfall(p_shop, p_skus, p_keys, p_quantities);
  IF jsonb_array_length(v_short) > 0 THEN
    RETURN v_short;
  END IF;

  WITH sold AS (
    UPDATE "InventoryItem" i SET quantity = i.quantity - l.qty, version = i.version + 1, "updatedAt" = p_now
    FROM unnest(p_skus, p_keys, p_quantities) AS l(sku, key, qty)
    WHERE i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key
    RETURNING i.sku, i."variantKey", i.quantity, l.qty
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, "holdId", actor, note, "createdAt")
  SELECT p_shop, sold.sku, sold."variantKey", -sold.qty, sold.quantity, 'sale', p_hold_id, p_actor, p_note, p_now FROM sold;
  RETURN '[]'::jsonb;
END;
$function$;

-- inventory_settle_holds, from 20261201161822_hold_waits_and_expiry_rechecks.
CREATE OR REPLACE FUNCTION public.inventory_settle_holds(p_shop text, p_hold_ids text[], p_status text, p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_count integer;
  v_settled text[];
BEGIN
  -- Gives the units of active holds back (released or expired): the only way
  -- a hold's units return. The caller has locked the holds and their stock
  -- rows (inventory_lock). Only holds still active give units back, so
  -- settling one twice is impossible.
  -- Expiring also re-checks the time, read after the lock: a hold extended
  -- meanwhile (a delayed payment, a longer TTL) is not expired.
  SELECT array_agg(id) INTO v_settled FROM "InventoryHold"
  WHERE "shopId" = p_shop AND id = ANY (p_hold_ids) AND status = 'active' AND (p_status <> 'expired' OR "expiresAt" <= p_now);
  IF v_settled IS NULL THEN
    RETURN 0;
  END IF;

  UPDATE "InventoryItem" i SET reserved = i.reserved - t.total, "updatedAt" = p_now
  FROM (
    SELECT hi.sku, hi."variantKey", sum(hi.quantity)::int AS total
    FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (v_settled)
    GROUP BY 1, 2
  ) t
  WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t."variantKey";

  UPDATE "InventoryHold" h SET
    status = p_status,
    "releasedAt" = CASE WHEN p_status = 'released' THEN p_now ELSE h."releasedAt" END,
    "expiredAt" = CASE WHEN p_status = 'expired' THEN p_now ELSE h."expiredAt" END,
    "updatedAt" = p_now
  WHERE h.id = ANY (v_settled);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$function$;

-- Until step 2, each runs with acme.locations off, even when called from a function with locations that began before
-- this commit (and turned it on for its transaction): the trigger then books its writes on main.
ALTER FUNCTION public.inventory_create_holds_batch(text, jsonb, timestamp with time zone) SET acme.locations TO 'off';
ALTER FUNCTION public.inventory_sell_held(text, jsonb, timestamp with time zone) SET acme.locations TO 'off';
ALTER FUNCTION public.inventory_sell_unreserved(text, text, text[], text[], integer[], text, text, timestamp with time zone) SET acme.locations TO 'off';
ALTER FUNCTION public.inventory_settle_holds(text, text[], text, timestamp with time zone) SET acme.locations TO 'off';

COMMIT;

-- Checkouts that began under the functions with locations finish before what they read goes.
SELECT pg_sleep(2);

-- 2. The rest.
BEGIN;
SET LOCAL lock_timeout = '60s';
SELECT pg_advisory_xact_lock(72707369);

-- Every table it changes, all at once, as the migration takes them: at most 200 ms of waiting at a time (in all, and
-- under half of deadlock_timeout), in the checkouts' lock order, letting go between tries, so checkouts wait for it
-- briefly and never fail or deadlock.
DO $$
DECLARE
  v_attempt integer := 0;
  v_budget interval := least(interval '200 milliseconds', current_setting('deadlock_timeout')::interval / 2);
  v_start timestamptz;
  v_table text;
BEGIN
  LOOP
    BEGIN
      v_start := clock_timestamp();
      -- After step 1 checkouts take hold rows, stock rows, hold lines, the ledger, then (the trigger) StockLocation and
      -- InventoryLevel.
      FOREACH v_table IN ARRAY ARRAY['InventoryHold', 'InventoryItem', 'InventoryHoldItem', 'StockLedgerEntry', 'StockLocation',
                                     'InventoryLevel', 'StockTransfer', 'ShopAllocationPolicy'] LOOP
        PERFORM set_config('lock_timeout',
          greatest(1, ceil(extract(epoch FROM v_budget - (clock_timestamp() - v_start)) * 1000))::int || 'ms', true);
        EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', v_table);
      END LOOP;
      EXIT;
    EXCEPTION WHEN lock_not_available THEN
      v_attempt := v_attempt + 1;
      IF v_attempt >= 100 THEN
        RAISE;
      END IF;
      PERFORM pg_sleep(0.02 * least(v_attempt, 10));
    END;
  END LOOP;
  PERFORM set_config('lock_timeout', '60s', true);
END;
$$;

-- The checks again, under those locks: nothing moves meanwhile.
SELECT pg_temp.stock_locations_rollback_refusals();

-- Only shops that have another location can have rows naming one (the two statements below read those shops' rows
-- through their shop indexes, not the whole tables).

-- The ledger keeps where a row's units moved, in its note.
UPDATE "StockLedgerEntry" SET note = concat_ws(' ', note, '(at location ' || location || ')')
WHERE "shopId" IN (SELECT "shopId" FROM "StockLocation" WHERE code <> 'main') AND location <> 'main';

-- A (settled) hold's line split across locations is one line again: the code before locations reads one row per line.
WITH split AS (
  SELECT hi."holdId", hi.sku, hi."variantKey", min(hi.id COLLATE "C") AS keep, sum(hi.quantity)::int AS total
  FROM "InventoryHoldItem" hi
  WHERE hi."shopId" IN (SELECT "shopId" FROM "StockLocation" WHERE code <> 'main')
  GROUP BY 1, 2, 3 HAVING count(*) > 1
), kept AS (
  UPDATE "InventoryHoldItem" hi SET quantity = s.total FROM split s WHERE hi.id = s.keep RETURNING 1
)
DELETE FROM "InventoryHoldItem" hi USING split s
WHERE hi."holdId" = s."holdId" AND hi.sku = s.sku AND hi."variantKey" = s."variantKey" AND hi.id <> s.keep
  AND (SELECT count(*) FROM kept) >= 0;

-- What the migrations after locations added (stock events, the sync API, returns): their triggers, functions, tables
-- and ledger columns. Functions by name, whatever their arguments.
DROP TRIGGER IF EXISTS "InventoryLevel_events_insert" ON "InventoryLevel";
DROP TRIGGER IF EXISTS "InventoryLevel_events_update" ON "InventoryLevel";
DO $$
DECLARE
  v_function regprocedure;
BEGIN
  FOR v_function IN
    SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.proname IN ('inventory_level_events', 'stock_events_sequence', 'inventory_sync_set',
      'inventory_record_return', 'inventory_decide_return', 'inventory_restock_return', 'inventory_return_claims',
      'inventory_returns_basis')
  LOOP
    EXECUTE format('DROP FUNCTION %s', v_function);
  END LOOP;
END;
$$;
DROP TABLE IF EXISTS "StockEventDelivery", "StockEventCursor", "StockEventSubscription", "StockEventShop", "StockEvent",
  "SyncRequest", "Integration", "PaidCheckout", "ShopReturnPolicy", "StockReturn";
ALTER TABLE "StockLedgerEntry" DROP COLUMN IF EXISTS "txid", DROP COLUMN IF EXISTS "reference";

-- What the migrations of locations added.
DROP TRIGGER "InventoryItem_legacy_write" ON "InventoryItem";
DROP TRIGGER "InventoryItem_legacy_insert" ON "InventoryItem";
DROP FUNCTION public.inventory_legacy_write();
DROP FUNCTION public.inventory_allocate(jsonb, jsonb, text[], text);
DROP FUNCTION public.inventory_transfer(text, text, text, text, jsonb, boolean, text, text, timestamp with time zone);
DROP FUNCTION public.inventory_receive_transfer(text, text, text, timestamp with time zone);
DROP FUNCTION public.inventory_update_location(text, text, text, text, boolean, boolean, integer, timestamp with time zone);
DROP FUNCTION public.inventory_write_levels(text, jsonb, text, text, text, timestamp with time zone);

DROP TABLE "StockTransfer";
DROP TABLE "ShopAllocationPolicy";
DROP TABLE "InventoryLevel";
DROP TABLE "StockLocation";

-- Metadata only: no rewrite of either table.
ALTER TABLE "StockLedgerEntry" DROP COLUMN "location";
ALTER TABLE "InventoryHoldItem" DROP COLUMN "location";

-- The hold functions exactly as before locations.
ALTER FUNCTION public.inventory_create_holds_batch(text, jsonb, timestamp with time zone) RESET acme.locations;
ALTER FUNCTION public.inventory_sell_held(text, jsonb, timestamp with time zone) RESET acme.locations;
ALTER FUNCTION public.inventory_sell_unreserved(text, text, text[], text[], integer[], text, text, timestamp with time zone) RESET acme.locations;
ALTER FUNCTION public.inventory_settle_holds(text, text[], text, timestamp with time zone) RESET acme.locations;

-- Not applied any more: prisma migrate deploy (or pnpm db:migrate) applies them again.
DELETE FROM "_prisma_migrations" WHERE migration_name >= '20261202020000_stock_locations';

COMMIT;
