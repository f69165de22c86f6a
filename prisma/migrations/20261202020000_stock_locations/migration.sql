-- Stock at many locations (warehouses and stores). Every shop gets one
-- location, `main`, holding exactly what InventoryItem held; InventoryItem
-- keeps the sums over the shop's online locations (active, fulfilling online
-- orders), so every reader of availability is unchanged. Hold lines and
-- ledger rows name their location; rows written before this say `main`.
--
-- Written to run while checkouts go on (docs/locations-migration.md):
-- 1. It first takes the tables it changes, all at once, trying for at most
--    200 ms at a time (in all, and under half of deadlock_timeout) and letting
--    go between tries, so it never waits behind a checkout while holding what
--    that checkout needs for longer than that (no deadlock, and it is never the
--    checkout that gives way). Checkouts wait for it, they do not fail: what it
--    does under those locks is metadata-only column additions and one copy of
--    InventoryItem. It takes them in the order checkouts do (hold rows, then
--    stock rows, then the ledger), so a checkout that queues behind it holds
--    nothing it needs next.
-- 2. New hold functions replace the old ones in the same transaction.
-- 3. A trigger keeps the books when code that predates locations (an
--    instance not yet redeployed) changes InventoryItem: that change lands
--    on the shop's main location.

DO $$
DECLARE
  v_attempt integer := 0;
  -- What one try may wait, for all four tables together. Under half of deadlock_timeout: in a cycle (a checkout
  -- queued behind this while holding a table it still wants), this gives way before PostgreSQL's deadlock check could
  -- pick the checkout instead.
  v_budget interval := least(interval '200 milliseconds', current_setting('deadlock_timeout')::interval / 2);
  v_start timestamptz;
  v_table text;
BEGIN
  LOOP
    BEGIN
      v_start := clock_timestamp();
      -- The checkouts' order: hold rows (inventory_lock, the expiry checks), stock rows, hold lines, the ledger. In the
      -- other order, hold requests that took their hold rows while this waited for the stock rows queued behind it, and
      -- nearly every try ended in such a cycle under load (seconds to tens of seconds to get through).
      FOREACH v_table IN ARRAY ARRAY['InventoryHold', 'InventoryItem', 'InventoryHoldItem', 'StockLedgerEntry'] LOOP
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

-- CreateTable
CREATE TABLE "StockLocation" (
    "shopId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'warehouse',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "fulfilsOnline" BOOLEAN NOT NULL DEFAULT true,
    "priority" INTEGER NOT NULL DEFAULT 100,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StockLocation_pkey" PRIMARY KEY ("shopId","code")
);

-- CreateTable
CREATE TABLE "InventoryLevel" (
    "shopId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "variantKey" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL DEFAULT 0,
    "reserved" INTEGER NOT NULL DEFAULT 0,
    "incoming" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InventoryLevel_pkey" PRIMARY KEY ("shopId","sku","variantKey","location")
);

-- CreateTable
CREATE TABLE "StockTransfer" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "fromLocation" TEXT NOT NULL,
    "toLocation" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "lines" JSONB NOT NULL,
    "actor" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "receivedAt" TIMESTAMPTZ(3),
    "receivedBy" TEXT,

    CONSTRAINT "StockTransfer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShopAllocationPolicy" (
    "shopId" TEXT NOT NULL,
    "strategy" TEXT NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ShopAllocationPolicy_pkey" PRIMARY KEY ("shopId")
);

-- AlterTable (a constant default: metadata only, no rewrite)
ALTER TABLE "StockLedgerEntry" ADD COLUMN "location" TEXT NOT NULL DEFAULT 'main';

-- AlterTable
ALTER TABLE "InventoryHoldItem" ADD COLUMN "location" TEXT NOT NULL DEFAULT 'main';

-- CreateIndex
CREATE INDEX "InventoryLevel_shopId_location_idx" ON "InventoryLevel"("shopId", "location");

-- CreateIndex
CREATE INDEX "StockTransfer_shopId_createdAt_idx" ON "StockTransfer"("shopId", "createdAt");

-- AddForeignKey
ALTER TABLE "InventoryLevel" ADD CONSTRAINT "InventoryLevel_shopId_sku_variantKey_fkey" FOREIGN KEY ("shopId", "sku", "variantKey") REFERENCES "InventoryItem"("shopId", "sku", "variantKey") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InventoryLevel" ADD CONSTRAINT "InventoryLevel_shopId_location_fkey" FOREIGN KEY ("shopId", "location") REFERENCES "StockLocation"("shopId", "code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Invariants the schema language cannot express.
ALTER TABLE "StockLocation" ADD CONSTRAINT "StockLocation_code_format" CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,31}$');
ALTER TABLE "StockLocation" ADD CONSTRAINT "StockLocation_kind_known" CHECK (kind IN ('warehouse', 'store'));
ALTER TABLE "StockLocation" ADD CONSTRAINT "StockLocation_priority_range" CHECK (priority BETWEEN 0 AND 1000000);
ALTER TABLE "InventoryLevel" ADD CONSTRAINT "InventoryLevel_quantity_nonnegative" CHECK (quantity >= 0);
ALTER TABLE "InventoryLevel" ADD CONSTRAINT "InventoryLevel_reserved_nonnegative" CHECK (reserved >= 0);
ALTER TABLE "InventoryLevel" ADD CONSTRAINT "InventoryLevel_reserved_within_quantity" CHECK (reserved <= quantity);
ALTER TABLE "InventoryLevel" ADD CONSTRAINT "InventoryLevel_incoming_nonnegative" CHECK (incoming >= 0);
ALTER TABLE "StockTransfer" ADD CONSTRAINT "StockTransfer_status_known" CHECK (status IN ('in_transit', 'received'));
ALTER TABLE "StockTransfer" ADD CONSTRAINT "StockTransfer_distinct_locations" CHECK ("fromLocation" <> "toLocation");
ALTER TABLE "ShopAllocationPolicy" ADD CONSTRAINT "ShopAllocationPolicy_strategy_known" CHECK (strategy IN ('fewest_locations', 'priority'));

-- The hold path and the writes with locations, as in prisma/functions:
-- inventory_allocate, inventory_create_holds_batch, inventory_legacy_write,
-- inventory_receive_transfer, inventory_sell_held, inventory_sell_unreserved,
-- inventory_settle_holds, inventory_transfer, inventory_update_location,
-- inventory_write_levels.

CREATE OR REPLACE FUNCTION public.inventory_allocate(p_lines jsonb, p_avail jsonb, p_locations text[], p_strategy text)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  -- Chooses where a cart's units come from. p_lines: the cart's lines
  -- [{sku, variantKey, quantity}]; p_avail: units free per variant and
  -- location, keyed sku U+001F variant key U+001F location; p_locations: the
  -- shop's online locations, best priority first. Returns
  -- [{i, location, quantity}] (i: the line's index, a line split across
  -- locations has one entry per location), or NULL when the units are not
  -- there.
  --   fewest_locations: the smallest set of locations that has the whole
  --     cart, the best priorities among sets of that size (exact up to 12
  --     locations, 4,095 sets; beyond, every location in priority order);
  --   priority: every location in priority order.
  -- Within the chosen set, each line takes what it can from the first
  -- location, then the next.
  -- Sets are tried by size, each size in order of priorities, and the
  -- first that has the cart wins: a cart one location has costs at most
  -- one look per location.
  v_n integer := cardinality(p_locations);
  v_vars text[] := '{}';
  v_need integer[] := '{}';
  v_free integer[];
  v_line jsonb;
  v_var text;
  v_i integer;
  v_v integer;
  v_k integer;
  v_size integer;
  v_set integer[];
  v_ok boolean;
  v_sum integer;
  v_chosen text[];
  v_rem integer;
  v_take integer;
  v_loc text;
  v_left jsonb := p_avail;
  v_result jsonb := '[]';
BEGIN
  IF v_n = 0 THEN
    RETURN NULL;
  END IF;
  -- Units needed per variant (v_vars[v] needs v_need[v]).
  FOR v_i IN 0 .. jsonb_array_length(p_lines) - 1 LOOP
    v_line := p_lines->v_i;
    v_var := (v_line->>'sku') || chr(31) || (v_line->>'variantKey');
    v_v := array_position(v_vars, v_var);
    IF v_v IS NULL THEN
      v_vars := array_append(v_vars, v_var);
      v_need := array_append(v_need, (v_line->>'quantity')::int);
    ELSE
      v_need[v_v] := v_need[v_v] + (v_line->>'quantity')::int;
    END IF;
  END LOOP;

  v_chosen := p_locations;
  IF p_strategy = 'fewest_locations' AND v_n > 1 AND v_n <= 12 THEN
    -- Free units of variant v at location k: v_free[(v - 1) * v_n + k].
    v_free := array_fill(0, ARRAY[cardinality(v_vars) * v_n]);
    FOR v_v IN 1 .. cardinality(v_vars) LOOP
      FOR v_k IN 1 .. v_n LOOP
        v_free[(v_v - 1) * v_n + v_k] := greatest(coalesce((p_avail->>(v_vars[v_v] || chr(31) || p_locations[v_k]))::int, 0), 0);
      END LOOP;
    END LOOP;
    -- All of them together is the largest set: when it is short, every set is.
    FOR v_v IN 1 .. cardinality(v_vars) LOOP
      v_sum := 0;
      FOR v_k IN 1 .. v_n LOOP
        v_sum := v_sum + v_free[(v_v - 1) * v_n + v_k];
      END LOOP;
      IF v_sum < v_need[v_v] THEN
        RETURN NULL;
      END IF;
    END LOOP;
    v_chosen := NULL;
    <<sizes>>
    FOR v_size IN 1 .. v_n LOOP
      v_set := ARRAY(SELECT generate_series(1, v_size));
      LOOP
        v_ok := true;
        FOR v_v IN 1 .. cardinality(v_vars) LOOP
          v_sum := 0;
          FOR v_k IN 1 .. v_size LOOP
            v_sum := v_sum + v_free[(v_v - 1) * v_n + v_set[v_k]];
          END LOOP;
          IF v_sum < v_need[v_v] THEN
            v_ok := false;
            EXIT;
          END IF;
        END LOOP;
        IF v_ok THEN
          v_chosen := ARRAY(SELECT p_locations[s.k] FROM unnest(v_set) WITH ORDINALITY AS s(k, ord) ORDER BY s.ord);
          EXIT sizes;
        END IF;
        -- The next set of this size, in order of priorities.
        v_k := v_size;
        WHILE v_k >= 1 LOOP
          EXIT WHEN v_set[v_k] < v_n - v_size + v_k;
          v_k := v_k - 1;
        END LOOP;
        EXIT WHEN v_k = 0;
        v_set[v_k] := v_set[v_k] + 1;
        FOR v_i IN v_k + 1 .. v_size LOOP
          v_set[v_i] := v_set[v_i - 1] + 1;
        END LOOP;
      END LOOP;
    END LOOP;
    IF v_chosen IS NULL THEN
      RETURN NULL;
    END IF;
  END IF;

  FOR v_i IN 0 .. jsonb_array_length(p_lines) - 1 LOOP
    v_line := p_lines->v_i;
    v_var := (v_line->>'sku') || chr(31) || (v_line->>'variantKey');
    v_rem := (v_line->>'quantity')::int;
    FOREACH v_loc IN ARRAY v_chosen LOOP
      EXIT WHEN v_rem = 0;
      v_take := least(v_rem, greatest(coalesce((v_left->>(v_var || chr(31) || v_loc))::int, 0), 0));
      CONTINUE WHEN v_take = 0;
      v_left := v_left || jsonb_build_object(v_var || chr(31) || v_loc, (v_left->>(v_var || chr(31) || v_loc))::int - v_take);
      v_result := v_result || jsonb_build_array(jsonb_build_object('i', v_i, 'location', v_loc, 'quantity', v_take));
      v_rem := v_rem - v_take;
    END LOOP;
    IF v_rem > 0 THEN
      RETURN NULL;
    END IF;
  END LOOP;
  RETURN v_result;
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_create_holds_batch(p_shop text, p_requests jsonb, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
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
  v_locations text[];
  v_single text;
  v_levels jsonb;
  v_strategy text;
  v_alloc jsonb;
  v_part jsonb;
  v_granted_alloc jsonb[] := '{}';
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

  -- Where the units are: the shop's online locations, best priority first.
  -- With one (every shop until it adds another), each line is reserved
  -- there; with more, the shop's strategy allocates each granted request
  -- (inventory_allocate) from what is free per location. The stock rows
  -- locked above cover their levels: levels change only under them.
  v_locations := ARRAY(SELECT code FROM "StockLocation" WHERE "shopId" = p_shop AND active AND "fulfilsOnline"
                       ORDER BY priority, code COLLATE "C");
  IF cardinality(v_locations) = 1 THEN
    v_single := v_locations[1];
  ELSIF cardinality(v_locations) = 0 THEN
    v_avail := '{}';
  ELSE
    SELECT coalesce(jsonb_object_agg(lv.sku || chr(31) || lv."variantKey" || chr(31) || lv.location, lv.quantity - lv.reserved), '{}'::jsonb)
    INTO v_levels
    FROM "InventoryLevel" lv
    WHERE lv."shopId" = p_shop AND lv.location = ANY (v_locations)
      AND (lv.sku, lv."variantKey") IN (SELECT * FROM unnest(v_skus, v_keys));
    v_strategy := coalesce((SELECT strategy FROM "ShopAllocationPolicy" WHERE "shopId" = p_shop), 'fewest_locations');
  END IF;

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

    v_alloc := NULL;
    IF v_ok AND v_single IS NULL THEN
      -- The shop's total covers every line, so some allocation exists (lines may split).
      v_alloc := inventory_allocate(v_request->'lines', v_levels, v_locations, v_strategy);
      IF v_alloc IS NULL THEN
        v_ok := false;
      ELSE
        FOR v_part IN SELECT value FROM jsonb_array_elements(v_alloc) LOOP
          v_line := v_request->'lines'->((v_part->>'i')::int);
          v_variant := (v_line->>'sku') || chr(31) || (v_line->>'variantKey') || chr(31) || (v_part->>'location');
          v_levels := v_levels || jsonb_build_object(v_variant, (v_levels->>v_variant)::int - (v_part->>'quantity')::int);
        END LOOP;
      END IF;
    END IF;

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
      v_granted_alloc := array_append(v_granted_alloc, v_alloc);
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
      SELECT p_requests->(g - 1)::int AS request, e AS expires_at, o AS open_expires_at, a AS alloc
      FROM unnest(v_granted, v_granted_expires, v_granted_open, v_granted_alloc) AS t(g, e, o, a)
    ), lines AS (
      -- Each line's units at each location they come from (part 1, 2, ... of a split line).
      SELECT request->>'holdId' AS hold_id, l.value AS line, l.ord, v_single AS location,
             (l.value->>'quantity')::int AS qty, 1::bigint AS part
      FROM granted, jsonb_array_elements(request->'lines') WITH ORDINALITY AS l(value, ord)
      WHERE granted.alloc IS NULL
      UNION ALL
      SELECT request->>'holdId', request->'lines'->((a.value->>'i')::int), (a.value->>'i')::bigint + 1, a.value->>'location',
             (a.value->>'quantity')::int, row_number() OVER (PARTITION BY request->>'holdId', a.value->>'i' ORDER BY a.ord)
      FROM granted, jsonb_array_elements(granted.alloc) WITH ORDINALITY AS a(value, ord)
      WHERE granted.alloc IS NOT NULL
    ), holds AS (
      INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt", "idempotencyKey", "requestFingerprint",
                                   "clientAddress", "clientBuyer", "openExpiresAt")
      SELECT request->>'holdId', p_shop, 'active', expires_at, p_now, p_now,
             request->>'idempotencyKey', request->>'fingerprint', request->>'clientAddress', request->>'clientBuyer', open_expires_at
      FROM granted
      RETURNING id
    ), items AS (
      INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity, location)
      SELECT lines.hold_id || ':' || lines.ord || CASE WHEN lines.part > 1 THEN '.' || lines.part ELSE '' END, lines.hold_id, p_shop,
             lines.line->>'sku', coalesce(lines.line->>'productId', i."productId"), lines.line->>'variantKey',
             coalesce(lines.line->'variantAttributes', i."variantAttributes"), lines.qty, lines.location
      FROM lines JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = lines.line->>'sku' AND i."variantKey" = lines.line->>'variantKey'
      RETURNING 1
    ), levels AS (
      UPDATE "InventoryLevel" lv SET reserved = lv.reserved + t.qty, "updatedAt" = p_now
      FROM (SELECT line->>'sku' AS sku, line->>'variantKey' AS key, location, sum(qty)::int AS qty FROM lines GROUP BY 1, 2, 3) t
      WHERE lv."shopId" = p_shop AND lv.sku = t.sku AND lv."variantKey" = t.key AND lv.location = t.location
      RETURNING 1
    )
    UPDATE "InventoryItem" i SET reserved = i.reserved + t.qty, "updatedAt" = p_now
    FROM (
      SELECT line->>'sku' AS sku, line->>'variantKey' AS key, sum(qty)::int AS qty
      FROM lines GROUP BY 1, 2
    ) t
    WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t.key
      AND (SELECT count(*) FROM holds) >= 0 AND (SELECT count(*) FROM items) >= 0 AND (SELECT count(*) FROM levels) >= 0;
  END IF;
  RETURN to_jsonb(v_results);
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_legacy_write()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_quantity integer := NEW.quantity;
  v_reserved integer := NEW.reserved;
BEGIN
  -- A change of InventoryItem made outside the location path (an instance
  -- running code from before locations, a hand-written UPDATE): it lands on
  -- the shop's main location, so every location's books still balance. The
  -- location path sets acme.locations and never comes here.
  IF TG_OP = 'UPDATE' THEN
    v_quantity := NEW.quantity - OLD.quantity;
    v_reserved := NEW.reserved - OLD.reserved;
  ELSE
    INSERT INTO "StockLocation" ("shopId", code, name, "updatedAt") VALUES (NEW."shopId", 'main', 'Main warehouse', now())
    ON CONFLICT DO NOTHING;
  END IF;
  PERFORM 1 FROM "StockLocation" WHERE "shopId" = NEW."shopId" AND code = 'main' AND active AND "fulfilsOnline";
  IF NOT FOUND THEN
    RAISE EXCEPTION 'stock of % in shop % changed outside the location path while its main location is not online',
      NEW.sku, NEW."shopId" USING ERRCODE = 'check_violation';
  END IF;
  UPDATE "InventoryLevel" SET quantity = quantity + v_quantity, reserved = reserved + v_reserved, "updatedAt" = now()
  WHERE "shopId" = NEW."shopId" AND sku = NEW.sku AND "variantKey" = NEW."variantKey" AND location = 'main';
  IF NOT FOUND THEN
    INSERT INTO "InventoryLevel" ("shopId", sku, "variantKey", location, quantity, reserved, "updatedAt")
    VALUES (NEW."shopId", NEW.sku, NEW."variantKey", 'main', v_quantity, v_reserved, now());
  END IF;
  RETURN NEW;
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_receive_transfer(p_shop text, p_id text, p_actor text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  -- A transfer in transit arrives: its units leave incoming and join the
  -- destination's quantity (a transfer_in ledger entry per line), and the
  -- shop's online totals grow when the destination counts online. Receiving
  -- twice changes nothing. Answers {outcome: 'received'|'unchanged'|'not_found', status}.
  v_transfer record;
  v_to record;
BEGIN
  SELECT * INTO v_transfer FROM "StockTransfer" WHERE id = p_id AND "shopId" = p_shop;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  PERFORM inventory_lock(p_shop, ARRAY['transfer:' || p_id], '{}',
    ARRAY(SELECT l->>'sku' FROM jsonb_array_elements(v_transfer.lines) l),
    ARRAY(SELECT l->>'variantKey' FROM jsonb_array_elements(v_transfer.lines) l), false);
  SELECT * INTO v_transfer FROM "StockTransfer" WHERE id = p_id AND "shopId" = p_shop;
  IF v_transfer.status <> 'in_transit' THEN
    RETURN jsonb_build_object('outcome', 'unchanged', 'status', v_transfer.status);
  END IF;
  SELECT * INTO v_to FROM "StockLocation" WHERE "shopId" = p_shop AND code = v_transfer."toLocation";

  WITH dst AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity + (l->>'quantity')::int, incoming = lv.incoming - (l->>'quantity')::int,
      "updatedAt" = p_now
    FROM jsonb_array_elements(v_transfer.lines) l
    WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = v_transfer."toLocation"
    RETURNING lv.sku, lv."variantKey", lv.quantity, (l->>'quantity')::int AS qty
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor, note, "createdAt")
  SELECT p_shop, sku, "variantKey", v_transfer."toLocation", qty, quantity, 'transfer_in', p_actor,
         'transfer ' || p_id || ' from ' || v_transfer."fromLocation", p_now
  FROM dst ORDER BY sku COLLATE "C", "variantKey" COLLATE "C";

  IF v_to.active AND v_to."fulfilsOnline" THEN
    UPDATE "InventoryItem" i SET quantity = i.quantity + (l->>'quantity')::int, version = i.version + 1, "updatedAt" = p_now
    FROM jsonb_array_elements(v_transfer.lines) l
    WHERE i."shopId" = p_shop AND i.sku = l->>'sku' AND i."variantKey" = l->>'variantKey';
  END IF;
  UPDATE "StockTransfer" SET status = 'received', "receivedAt" = p_now, "receivedBy" = p_actor WHERE id = p_id;
  RETURN jsonb_build_object('outcome', 'received', 'status', 'received');
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_sell_held(p_shop text, p_ops jsonb, p_now timestamp with time zone)
 RETURNS void
 LANGUAGE sql
 SET "acme.locations" TO 'on'
AS $function$
  -- Sells active holds: their units leave quantity and reserved at exactly
  -- the locations each hold line reserved them, each line and location gets
  -- a sale ledger entry (the location's running quantity in array order, as
  -- one-by-one sales would), and each hold turns committed, recording the
  -- paying Checkout Session when it names none yet. p_ops: [{holdId, actor,
  -- sessionId?}], each an active hold named once, whose hold and stock rows
  -- the caller has locked (inventory_lock). The only way held stock is sold.
  WITH ops AS (
    SELECT o.ord, o.value AS op FROM jsonb_array_elements(p_ops) WITH ORDINALITY AS o(value, ord)
  ), lines AS (
    SELECT ops.ord, ops.op->>'holdId' AS hold_id, coalesce(ops.op->>'actor', 'checkout') AS actor,
           hi.sku, hi."variantKey", hi.location, sum(hi.quantity)::int AS qty
    FROM ops JOIN "InventoryHoldItem" hi ON hi."holdId" = ops.op->>'holdId'
    GROUP BY 1, 2, 3, 4, 5, 6
  ), ledger AS (
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, "holdId", actor, "createdAt")
    SELECT p_shop, lines.sku, lines."variantKey", lines.location, -lines.qty,
           lv.quantity - sum(lines.qty) OVER (PARTITION BY lines.sku, lines."variantKey", lines.location ORDER BY lines.ord),
           'sale', lines.hold_id, lines.actor, p_now
    FROM lines JOIN "InventoryLevel" lv ON lv."shopId" = p_shop AND lv.sku = lines.sku AND lv."variantKey" = lines."variantKey"
      AND lv.location = lines.location
    ORDER BY lines.ord, lines.sku COLLATE "C", lines."variantKey" COLLATE "C", lines.location COLLATE "C"
    RETURNING 1
  ), holds AS (
    UPDATE "InventoryHold" h SET status = 'committed', "committedAt" = p_now, "updatedAt" = p_now,
      "checkoutSessionId" = coalesce(h."checkoutSessionId", ops.op->>'sessionId')
    FROM ops WHERE h.id = ops.op->>'holdId' AND h."shopId" = p_shop
    RETURNING 1
  ), levels AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity - t.total, reserved = lv.reserved - t.total, "updatedAt" = p_now
    FROM (SELECT sku, "variantKey", location, sum(qty)::int AS total FROM lines GROUP BY 1, 2, 3) t
    WHERE lv."shopId" = p_shop AND lv.sku = t.sku AND lv."variantKey" = t."variantKey" AND lv.location = t.location
    RETURNING 1
  )
  UPDATE "InventoryItem" i SET quantity = i.quantity - t.total, reserved = i.reserved - t.total,
    version = i.version + 1, "updatedAt" = p_now
  FROM (SELECT sku, "variantKey", sum(qty)::int AS total FROM lines GROUP BY 1, 2) t
  WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t."variantKey"
    AND (SELECT count(*) FROM ledger) >= 0 AND (SELECT count(*) FROM holds) >= 0 AND (SELECT count(*) FROM levels) >= 0;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_sell_unreserved(p_shop text, p_hold_id text, p_skus text[], p_keys text[], p_quantities integer[], p_actor text, p_note text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  v_short jsonb;
  v_locations text[];
  v_levels jsonb;
  v_alloc jsonb;
  v_lines jsonb;
  v_items jsonb;
BEGIN
  -- Sells units nobody holds (a payment whose hold lapsed, a checkout that
  -- held nothing): allocated from the shop's online locations by its
  -- strategy, like a hold, and written onto the hold's lines, which then say
  -- where the units came from. Returns the shortfall, or [] when sold.
  -- One line per variant: a variant named twice is checked, allocated and written as one.
  SELECT coalesce(array_agg(m.sku ORDER BY m.first), '{}'), coalesce(array_agg(m.key ORDER BY m.first), '{}'),
         coalesce(array_agg(m.qty ORDER BY m.first), '{}')
  INTO p_skus, p_keys, p_quantities
  FROM (SELECT l.sku, l.key, sum(l.qty)::int AS qty, min(l.ord) AS first
        FROM unnest(p_skus, p_keys, p_quantities) WITH ORDINALITY AS l(sku, key, qty, ord) GROUP BY 1, 2) m;
  PERFORM inventory_lock(p_shop, NULL, '{}', p_skus, p_keys, false);
  v_short := inventory_shortfall(p_shop, p_skus, p_keys, p_quantities);
  IF jsonb_array_length(v_short) > 0 THEN
    RETURN v_short;
  END IF;

  v_locations := ARRAY(SELECT code FROM "StockLocation" WHERE "shopId" = p_shop AND active AND "fulfilsOnline"
                       ORDER BY priority, code COLLATE "C");
  SELECT coalesce(jsonb_object_agg(lv.sku || chr(31) || lv."variantKey" || chr(31) || lv.location, lv.quantity - lv.reserved), '{}'::jsonb)
  INTO v_levels
  FROM "InventoryLevel" lv
  WHERE lv."shopId" = p_shop AND lv.location = ANY (v_locations)
    AND (lv.sku, lv."variantKey") IN (SELECT * FROM unnest(p_skus, p_keys));
  SELECT jsonb_agg(jsonb_build_object('sku', l.sku, 'variantKey', l.key, 'quantity', l.qty) ORDER BY l.ord) INTO v_lines
  FROM unnest(p_skus, p_keys, p_quantities) WITH ORDINALITY AS l(sku, key, qty, ord);
  v_alloc := inventory_allocate(v_lines, v_levels, v_locations,
    coalesce((SELECT strategy FROM "ShopAllocationPolicy" WHERE "shopId" = p_shop), 'fewest_locations'));
  IF v_alloc IS NULL THEN
    -- The shop's total covers the lines, so this cannot happen while the books balance; refuse rather than guess.
    RAISE EXCEPTION 'inventory_sell_unreserved: no allocation for hold % although the shop has the units', p_hold_id;
  END IF;

  WITH parts AS (
    SELECT v_lines->((a.value->>'i')::int)->>'sku' AS sku, v_lines->((a.value->>'i')::int)->>'variantKey' AS key,
           a.value->>'location' AS location, (a.value->>'quantity')::int AS qty, a.ord
    FROM jsonb_array_elements(v_alloc) WITH ORDINALITY AS a(value, ord)
  ), levels AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity - p.qty, "updatedAt" = p_now
    FROM parts p
    WHERE lv."shopId" = p_shop AND lv.sku = p.sku AND lv."variantKey" = p.key AND lv.location = p.location
    RETURNING lv.sku, lv."variantKey", lv.location, lv.quantity, p.qty, p.ord
  ), ledger AS (
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, "holdId", actor, note, "createdAt")
    SELECT p_shop, levels.sku, levels."variantKey", levels.location, -levels.qty, levels.quantity, 'sale', p_hold_id, p_actor, p_note, p_now
    FROM levels ORDER BY levels.ord
    RETURNING 1
  )
  UPDATE "InventoryItem" i SET quantity = i.quantity - l.qty, version = i.version + 1, "updatedAt" = p_now
  FROM unnest(p_skus, p_keys, p_quantities) AS l(sku, key, qty)
  WHERE i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key AND (SELECT count(*) FROM ledger) >= 0;

  -- The hold's lines now say where its units came from.
  SELECT jsonb_object_agg(hi.sku || chr(31) || hi."variantKey", jsonb_build_object('productId', hi."productId", 'attrs', hi."variantAttributes"))
  INTO v_items FROM "InventoryHoldItem" hi WHERE hi."holdId" = p_hold_id;
  DELETE FROM "InventoryHoldItem" WHERE "holdId" = p_hold_id;
  INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity, location)
  SELECT p_hold_id || ':s' || a.ord, p_hold_id, p_shop, l->>'sku',
         coalesce(v_items->((l->>'sku') || chr(31) || (l->>'variantKey'))->>'productId', i."productId", l->>'sku'), l->>'variantKey',
         coalesce(v_items->((l->>'sku') || chr(31) || (l->>'variantKey'))->'attrs', i."variantAttributes", '{}'::jsonb),
         (a.value->>'quantity')::int, a.value->>'location'
  FROM jsonb_array_elements(v_alloc) WITH ORDINALITY AS a(value, ord)
  CROSS JOIN LATERAL (SELECT v_lines->((a.value->>'i')::int) AS l) x
  LEFT JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = x.l->>'sku' AND i."variantKey" = x.l->>'variantKey';
  RETURN '[]'::jsonb;
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_settle_holds(p_shop text, p_hold_ids text[], p_status text, p_now timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  v_count integer;
  v_settled text[];
BEGIN
  -- Gives the units of active holds back (released or expired): the only way
  -- a hold's units return, to the locations they were reserved at. The
  -- caller has locked the holds and their stock rows (inventory_lock). Only
  -- holds still active give units back, so settling one twice is impossible.
  -- Expiring also re-checks the time, read after the lock: a hold extended
  -- meanwhile (a delayed payment, a longer TTL) is not expired.
  SELECT array_agg(id) INTO v_settled FROM "InventoryHold"
  WHERE "shopId" = p_shop AND id = ANY (p_hold_ids) AND status = 'active' AND (p_status <> 'expired' OR "expiresAt" <= p_now);
  IF v_settled IS NULL THEN
    RETURN 0;
  END IF;

  UPDATE "InventoryLevel" lv SET reserved = lv.reserved - t.total, "updatedAt" = p_now
  FROM (
    SELECT hi.sku, hi."variantKey", hi.location, sum(hi.quantity)::int AS total
    FROM "InventoryHoldItem" hi WHERE hi."holdId" = ANY (v_settled)
    GROUP BY 1, 2, 3
  ) t
  WHERE lv."shopId" = p_shop AND lv.sku = t.sku AND lv."variantKey" = t."variantKey" AND lv.location = t.location;

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

CREATE OR REPLACE FUNCTION public.inventory_transfer(p_shop text, p_id text, p_from text, p_to text, p_lines jsonb, p_in_transit boolean, p_actor text, p_note text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  -- Moves stock between two locations of a shop in one transaction. p_lines:
  -- [{sku, variantKey, quantity}], distinct variants. Units leave the source
  -- at once (a transfer_out ledger entry per line) and never held ones: a
  -- line asking more than is free there refuses the whole transfer (holds
  -- that have lapsed expire first). They arrive at once (transfer_in), or
  -- with p_in_transit they wait as incoming at the destination until
  -- inventory_receive_transfer. The shop's online totals move when the
  -- source or the destination counts online.
  -- Answers {outcome: 'created'|'existing'|'not_found'|'insufficient', ...}.
  v_from record;
  v_to record;
  v_short jsonb;
  v_existing record;
BEGIN
  PERFORM inventory_lock(p_shop, ARRAY['transfer:' || p_id], '{}',
    ARRAY(SELECT l->>'sku' FROM jsonb_array_elements(p_lines) l), ARRAY(SELECT l->>'variantKey' FROM jsonb_array_elements(p_lines) l), false);
  SELECT * INTO v_existing FROM "StockTransfer" WHERE id = p_id;
  IF FOUND THEN
    RETURN jsonb_build_object('outcome', 'existing', 'status', v_existing.status,
      'sameRequest', v_existing."shopId" = p_shop AND v_existing."fromLocation" = p_from AND v_existing."toLocation" = p_to
        AND v_existing.lines = p_lines);
  END IF;
  SELECT * INTO v_from FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_from;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found', 'field', 'from', 'location', p_from);
  END IF;
  SELECT * INTO v_to FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_to;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found', 'field', 'to', 'location', p_to);
  END IF;
  -- Lapsed holds never block: those on these variants expire first, as for a hold request.
  PERFORM inventory_expire_holds_on(p_shop, ARRAY(SELECT l->>'sku' FROM jsonb_array_elements(p_lines) l),
    ARRAY(SELECT l->>'variantKey' FROM jsonb_array_elements(p_lines) l), p_now);

  SELECT coalesce(jsonb_agg(jsonb_build_object('index', l.ord - 1, 'sku', l.value->>'sku', 'variantKey', l.value->>'variantKey',
           'requested', (l.value->>'quantity')::int, 'available', greatest(coalesce(lv.quantity - lv.reserved, 0), 0),
           'held', coalesce(lv.reserved, 0)) ORDER BY l.ord), '[]'::jsonb)
  INTO v_short
  FROM jsonb_array_elements(p_lines) WITH ORDINALITY AS l(value, ord)
  LEFT JOIN "InventoryLevel" lv ON lv."shopId" = p_shop AND lv.sku = l.value->>'sku' AND lv."variantKey" = l.value->>'variantKey'
    AND lv.location = p_from
  WHERE coalesce(lv.quantity - lv.reserved, 0) < (l.value->>'quantity')::int;
  IF jsonb_array_length(v_short) > 0 THEN
    RETURN jsonb_build_object('outcome', 'insufficient', 'insufficient', v_short);
  END IF;

  INSERT INTO "StockTransfer" (id, "shopId", "fromLocation", "toLocation", status, lines, actor, note, "createdAt", "receivedAt", "receivedBy")
  VALUES (p_id, p_shop, p_from, p_to, CASE WHEN p_in_transit THEN 'in_transit' ELSE 'received' END, p_lines, p_actor, p_note, p_now,
          CASE WHEN p_in_transit THEN NULL ELSE p_now END, CASE WHEN p_in_transit THEN NULL ELSE p_actor END);

  WITH src AS (
    UPDATE "InventoryLevel" lv SET quantity = lv.quantity - (l->>'quantity')::int, "updatedAt" = p_now
    FROM jsonb_array_elements(p_lines) l
    WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = p_from
    RETURNING lv.sku, lv."variantKey", lv.quantity, (l->>'quantity')::int AS qty
  )
  INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor, note, "createdAt")
  SELECT p_shop, sku, "variantKey", p_from, -qty, quantity, 'transfer_out', p_actor, 'transfer ' || p_id || ' to ' || p_to, p_now
  FROM src ORDER BY sku COLLATE "C", "variantKey" COLLATE "C";

  INSERT INTO "InventoryLevel" ("shopId", sku, "variantKey", location, quantity, reserved, incoming, "updatedAt")
  SELECT p_shop, l->>'sku', l->>'variantKey', p_to, 0, 0, 0, p_now FROM jsonb_array_elements(p_lines) l
  ON CONFLICT ("shopId", sku, "variantKey", location) DO NOTHING;
  IF p_in_transit THEN
    UPDATE "InventoryLevel" lv SET incoming = lv.incoming + (l->>'quantity')::int, "updatedAt" = p_now
    FROM jsonb_array_elements(p_lines) l
    WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = p_to;
  ELSE
    WITH dst AS (
      UPDATE "InventoryLevel" lv SET quantity = lv.quantity + (l->>'quantity')::int, "updatedAt" = p_now
      FROM jsonb_array_elements(p_lines) l
      WHERE lv."shopId" = p_shop AND lv.sku = l->>'sku' AND lv."variantKey" = l->>'variantKey' AND lv.location = p_to
      RETURNING lv.sku, lv."variantKey", lv.quantity, (l->>'quantity')::int AS qty
    )
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor, note, "createdAt")
    SELECT p_shop, sku, "variantKey", p_to, qty, quantity, 'transfer_in', p_actor, 'transfer ' || p_id || ' from ' || p_from, p_now
    FROM dst ORDER BY sku COLLATE "C", "variantKey" COLLATE "C";
  END IF;

  UPDATE "InventoryItem" i SET quantity = i.quantity
      - CASE WHEN v_from.active AND v_from."fulfilsOnline" THEN (l->>'quantity')::int ELSE 0 END
      + CASE WHEN NOT p_in_transit AND v_to.active AND v_to."fulfilsOnline" THEN (l->>'quantity')::int ELSE 0 END,
    version = i.version + 1, "updatedAt" = p_now
  FROM jsonb_array_elements(p_lines) l
  WHERE i."shopId" = p_shop AND i.sku = l->>'sku' AND i."variantKey" = l->>'variantKey';
  RETURN jsonb_build_object('outcome', 'created', 'status', CASE WHEN p_in_transit THEN 'in_transit' ELSE 'received' END);
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_update_location(p_shop text, p_code text, p_name text, p_kind text, p_active boolean, p_fulfils_online boolean, p_priority integer, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  -- Changes a location; NULL arguments keep what it has. When it starts or
  -- stops counting online (active and fulfilling online orders), the shop's
  -- online totals move by its quantities, under the lock of every stock row
  -- of the shop, so no hold decides meanwhile. A location stops counting
  -- online only when nothing is held there: {outcome: 'held', held} otherwise.
  -- A change of active or fulfilsOnline is decided under those locks, on
  -- the row as it is then (a concurrent change may have come first); when
  -- neither changes as read, they are not written, so a concurrent change
  -- is never undone.
  v_loc record;
  v_was boolean;
  v_will boolean;
  v_held bigint;
  v_flags boolean;
BEGIN
  SELECT * INTO v_loc FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_code;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  v_flags := coalesce(p_active, v_loc.active) <> v_loc.active
    OR coalesce(p_fulfils_online, v_loc."fulfilsOnline") <> v_loc."fulfilsOnline";
  IF v_flags THEN
    PERFORM inventory_lock(p_shop, NULL, '{}', NULL, NULL, false);
    SELECT * INTO v_loc FROM "StockLocation" WHERE "shopId" = p_shop AND code = p_code FOR UPDATE;
  END IF;
  v_was := v_loc.active AND v_loc."fulfilsOnline";
  v_will := CASE WHEN v_flags THEN coalesce(p_active, v_loc.active) AND coalesce(p_fulfils_online, v_loc."fulfilsOnline")
            ELSE v_was END;
  IF v_was <> v_will THEN
    IF NOT v_will THEN
      -- Lapsed holds never block: those with units here expire first (one another transaction has locked is left to
      -- it, and still counts as held).
      PERFORM inventory_settle_holds(p_shop, ARRAY(
        SELECT h.id FROM "InventoryHold" h
        WHERE h."shopId" = p_shop AND h.status = 'active' AND h."expiresAt" <= p_now
          AND EXISTS (SELECT 1 FROM "InventoryHoldItem" hi WHERE hi."holdId" = h.id AND hi.location = p_code)
        ORDER BY h.id FOR UPDATE SKIP LOCKED), 'expired', p_now);
      SELECT coalesce(sum(reserved), 0) INTO v_held FROM "InventoryLevel" WHERE "shopId" = p_shop AND location = p_code;
      IF v_held > 0 THEN
        RETURN jsonb_build_object('outcome', 'held', 'held', v_held);
      END IF;
    END IF;
    UPDATE "InventoryItem" i SET quantity = i.quantity + CASE WHEN v_will THEN lv.quantity ELSE -lv.quantity END,
      version = i.version + 1, "updatedAt" = p_now
    FROM "InventoryLevel" lv
    WHERE lv."shopId" = p_shop AND lv.location = p_code AND lv.quantity > 0
      AND i."shopId" = p_shop AND i.sku = lv.sku AND i."variantKey" = lv."variantKey";
  END IF;
  UPDATE "StockLocation" SET name = coalesce(p_name, name), kind = coalesce(p_kind, kind),
    active = CASE WHEN v_flags THEN coalesce(p_active, active) ELSE active END,
    "fulfilsOnline" = CASE WHEN v_flags THEN coalesce(p_fulfils_online, "fulfilsOnline") ELSE "fulfilsOnline" END,
    priority = coalesce(p_priority, priority), "updatedAt" = p_now
  WHERE "shopId" = p_shop AND code = p_code;
  RETURN jsonb_build_object('outcome', 'updated', 'online', v_will, 'wasOnline', v_was);
END;
$function$;

CREATE OR REPLACE FUNCTION public.inventory_write_levels(p_shop text, p_rows jsonb, p_reason text, p_actor text, p_note text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 SET "acme.locations" TO 'on'
AS $function$
DECLARE
  -- Operator writes of quantity at locations (edits, imports, adjustments).
  -- p_rows: [{sku, variantKey, location, quantity}] (absolute) or
  -- [{sku, variantKey, location, delta}]; every variant exists. Locks the
  -- variants' stock rows (inventory_lock), then for each row sets the
  -- location's quantity, moves the shop's online total by the same delta
  -- when the location counts online, and writes a ledger entry per change.
  -- A row that would go below zero, below the units held there, or above
  -- 1,000,000,000, or names a location the shop does not have, is refused:
  -- the answer is {errors: [{index, field, message, ...}]} and nothing is
  -- written. Otherwise {rows: [{index, quantity, delta}]} in p_rows order.
  -- What each row needs is read once, up front (levels, locations), and the
  -- answers are gathered in arrays: the work grows with the rows, not with
  -- their square.
  v_row jsonb;
  v_ord bigint;
  v_quantity integer;
  v_reserved integer;
  v_online boolean;
  v_next bigint;
  v_delta bigint;
  v_errors jsonb[] := '{}';
  v_out jsonb[] := '{}';
  v_writes jsonb[] := '{}';
  v_levels jsonb;
  v_locations jsonb;
  v_repeated text[];
  v_seen jsonb := '{}';
  v_key text;
  v_field text;
BEGIN
  -- Main is every shop's default location: it exists as soon as the shop keeps stock.
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_rows) r WHERE r->>'location' = 'main') THEN
    INSERT INTO "StockLocation" ("shopId", code, name, "updatedAt") VALUES (p_shop, 'main', 'Main warehouse', p_now)
    ON CONFLICT DO NOTHING;
  END IF;
  PERFORM inventory_lock(p_shop, NULL, '{}',
    ARRAY(SELECT r->>'sku' FROM jsonb_array_elements(p_rows) r), ARRAY(SELECT r->>'variantKey' FROM jsonb_array_elements(p_rows) r), false);

  -- The locations named, and whether each counts online. Shared locks: a location going on or offline
  -- (inventory_update_location) waits for this write, or this write for it, even for a variant created in this
  -- transaction, which that change's stock locks cannot cover.
  SELECT coalesce(jsonb_object_agg(l.code, l.active AND l."fulfilsOnline"), '{}') INTO v_locations
  FROM (SELECT code, active, "fulfilsOnline" FROM "StockLocation"
        WHERE "shopId" = p_shop AND code IN (SELECT DISTINCT r->>'location' FROM jsonb_array_elements(p_rows) r)
        ORDER BY code COLLATE "C" FOR SHARE) l;
  -- Each variant and location's quantity and units held now, keyed sku U+001F variant key U+001F location.
  SELECT coalesce(jsonb_object_agg(lv.sku || chr(31) || lv."variantKey" || chr(31) || lv.location,
           jsonb_build_array(lv.quantity, lv.reserved)), '{}')
  INTO v_levels
  FROM "InventoryLevel" lv
  WHERE lv."shopId" = p_shop AND (lv.sku, lv."variantKey", lv.location) IN (
    SELECT r->>'sku', r->>'variantKey', r->>'location' FROM jsonb_array_elements(p_rows) r);
  -- Keys named by more than one row (edits may; imports never do).
  SELECT coalesce(array_agg(k), '{}') INTO v_repeated FROM (
    SELECT (r->>'sku') || chr(31) || (r->>'variantKey') || chr(31) || (r->>'location') AS k
    FROM jsonb_array_elements(p_rows) r GROUP BY 1 HAVING count(*) > 1) d;

  FOR v_row, v_ord IN SELECT value, ord FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS r(value, ord) ORDER BY ord LOOP
    v_online := (v_locations->>(v_row->>'location'))::boolean;
    IF v_online IS NULL THEN
      v_errors := array_append(v_errors, jsonb_build_object('index', v_ord - 1, 'field', 'location',
        'message', 'is not a location of shop ' || p_shop, 'location', v_row->>'location'));
      CONTINUE;
    END IF;
    v_key := (v_row->>'sku') || chr(31) || (v_row->>'variantKey') || chr(31) || (v_row->>'location');
    -- A second row for the same variant and location starts from the first one's result.
    IF v_seen ? v_key THEN
      v_quantity := (v_seen->v_key->>0)::int;
      v_reserved := (v_seen->v_key->>1)::int;
    ELSE
      v_quantity := coalesce((v_levels->v_key->>0)::int, 0);
      v_reserved := coalesce((v_levels->v_key->>1)::int, 0);
    END IF;
    IF v_row ? 'delta' THEN
      v_next := v_quantity::bigint + (v_row->>'delta')::bigint;
      v_field := 'delta';
    ELSE
      v_next := (v_row->>'quantity')::bigint;
      v_field := 'quantity';
    END IF;
    v_delta := v_next - v_quantity;
    IF v_next < 0 THEN
      v_errors := array_append(v_errors, jsonb_build_object('index', v_ord - 1, 'field', v_field,
        'message', 'would take ' || (v_row->>'sku') || ' at ' || (v_row->>'location') || ' below zero (on hand there: ' || v_quantity || ')',
        'quantity', v_quantity, 'reserved', v_reserved, 'reason', 'negative'));
    ELSIF v_next > 1000000000 THEN
      v_errors := array_append(v_errors, jsonb_build_object('index', v_ord - 1, 'field', v_field,
        'message', 'would take ' || (v_row->>'sku') || ' at ' || (v_row->>'location') || ' above 1000000000',
        'quantity', v_quantity, 'reserved', v_reserved, 'reason', 'too_large'));
    ELSIF v_next < v_reserved THEN
      v_errors := array_append(v_errors, jsonb_build_object('index', v_ord - 1, 'field', v_field,
        'message', v_next || ' is below the ' || v_reserved || ' units held by active checkouts at ' || (v_row->>'location'),
        'quantity', v_quantity, 'reserved', v_reserved, 'reason', 'held'));
    ELSE
      IF v_key = ANY (v_repeated) THEN
        v_seen := v_seen || jsonb_build_object(v_key, jsonb_build_array(v_next, v_reserved));
      END IF;
      v_out := array_append(v_out, jsonb_build_object('index', v_ord - 1, 'quantity', v_next, 'delta', v_delta));
      IF v_delta <> 0 THEN
        v_writes := array_append(v_writes, jsonb_build_object('sku', v_row->>'sku', 'variantKey', v_row->>'variantKey',
          'location', v_row->>'location', 'quantity', v_next, 'delta', v_delta, 'online', v_online, 'ord', v_ord));
      END IF;
    END IF;
  END LOOP;
  IF cardinality(v_errors) > 0 THEN
    RETURN jsonb_build_object('errors', to_jsonb(v_errors));
  END IF;

  IF cardinality(v_writes) > 0 THEN
    INSERT INTO "InventoryLevel" AS lv ("shopId", sku, "variantKey", location, quantity, reserved, "updatedAt")
    SELECT DISTINCT ON (w->>'sku', w->>'variantKey', w->>'location') p_shop, w->>'sku', w->>'variantKey', w->>'location', 0, 0, p_now
    FROM unnest(v_writes) w
    ON CONFLICT ("shopId", sku, "variantKey", location) DO NOTHING;
    UPDATE "InventoryLevel" lv SET quantity = t.quantity, "updatedAt" = p_now
    FROM (SELECT DISTINCT ON (w->>'sku', w->>'variantKey', w->>'location') w->>'sku' AS sku, w->>'variantKey' AS key,
                 w->>'location' AS location, (w->>'quantity')::int AS quantity
          FROM unnest(v_writes) w ORDER BY w->>'sku', w->>'variantKey', w->>'location', (w->>'ord')::bigint DESC) t
    WHERE lv."shopId" = p_shop AND lv.sku = t.sku AND lv."variantKey" = t.key AND lv.location = t.location;
    UPDATE "InventoryItem" i SET quantity = i.quantity + t.delta, version = i.version + 1, "updatedAt" = p_now
    FROM (SELECT w->>'sku' AS sku, w->>'variantKey' AS key,
                 sum(CASE WHEN (w->>'online')::boolean THEN (w->>'delta')::int ELSE 0 END)::int AS delta
          FROM unnest(v_writes) w GROUP BY 1, 2) t
    WHERE i."shopId" = p_shop AND i.sku = t.sku AND i."variantKey" = t.key;
    INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", location, delta, "quantityAfter", reason, actor, note, "createdAt")
    SELECT p_shop, w->>'sku', w->>'variantKey', w->>'location', (w->>'delta')::int, (w->>'quantity')::int, p_reason, p_actor, p_note, p_now
    FROM unnest(v_writes) WITH ORDINALITY AS x(w, ord) ORDER BY x.ord;
  END IF;
  RETURN jsonb_build_object('rows', to_jsonb(v_out));
END;
$function$;

-- Every shop with stock or holds gets its main location, holding what InventoryItem holds.
INSERT INTO "StockLocation" ("shopId", code, name, kind, active, "fulfilsOnline", priority, "updatedAt")
SELECT s."shopId", 'main', 'Main warehouse', 'warehouse', true, true, 100, now()
FROM (SELECT "shopId" FROM "InventoryItem" UNION SELECT "shopId" FROM "InventoryHold") s;

INSERT INTO "InventoryLevel" ("shopId", sku, "variantKey", location, quantity, reserved, incoming, "updatedAt")
SELECT "shopId", sku, "variantKey", 'main', quantity, reserved, 0, now() FROM "InventoryItem";


CREATE TRIGGER "InventoryItem_legacy_write"
BEFORE UPDATE OF quantity, reserved ON "InventoryItem"
FOR EACH ROW
WHEN (current_setting('acme.locations', true) IS DISTINCT FROM 'on'
      AND (OLD.quantity <> NEW.quantity OR OLD.reserved <> NEW.reserved))
EXECUTE FUNCTION inventory_legacy_write();

CREATE TRIGGER "InventoryItem_legacy_insert"
AFTER INSERT ON "InventoryItem"
FOR EACH ROW
WHEN (current_setting('acme.locations', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION inventory_legacy_write();
