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
