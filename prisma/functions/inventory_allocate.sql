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
