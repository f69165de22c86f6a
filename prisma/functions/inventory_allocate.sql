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
  v_n integer := cardinality(p_locations);
  v_need jsonb := '{}';
  v_line jsonb;
  v_var text;
  v_i integer;
  v_k integer;
  v_mask integer;
  v_chosen text[];
  v_ok boolean;
  v_sum integer;
  v_rem integer;
  v_take integer;
  v_loc text;
  v_left jsonb := p_avail;
  v_result jsonb := '[]';
BEGIN
  IF v_n = 0 THEN
    RETURN NULL;
  END IF;
  FOR v_i IN 0 .. jsonb_array_length(p_lines) - 1 LOOP
    v_line := p_lines->v_i;
    v_var := (v_line->>'sku') || chr(31) || (v_line->>'variantKey');
    v_need := v_need || jsonb_build_object(v_var, coalesce((v_need->>v_var)::int, 0) + (v_line->>'quantity')::int);
  END LOOP;

  v_chosen := p_locations;
  IF p_strategy = 'fewest_locations' AND v_n > 1 AND v_n <= 12 THEN
    v_chosen := NULL;
    FOR v_mask IN
      SELECT m FROM generate_series(1, (1 << v_n) - 1) m
      ORDER BY length(replace(m::bit(12)::text, '0', '')),
               ARRAY(SELECT k FROM generate_series(0, v_n - 1) k WHERE m & (1 << k) <> 0 ORDER BY k)
    LOOP
      v_ok := true;
      FOR v_var IN SELECT jsonb_object_keys(v_need) LOOP
        v_sum := 0;
        FOR v_k IN 0 .. v_n - 1 LOOP
          IF v_mask & (1 << v_k) <> 0 THEN
            v_sum := v_sum + coalesce((p_avail->>(v_var || chr(31) || p_locations[v_k + 1]))::int, 0);
          END IF;
        END LOOP;
        IF v_sum < (v_need->>v_var)::int THEN
          v_ok := false;
          EXIT;
        END IF;
      END LOOP;
      IF v_ok THEN
        v_chosen := ARRAY(SELECT p_locations[k + 1] FROM generate_series(0, v_n - 1) k WHERE v_mask & (1 << k) <> 0 ORDER BY k);
        EXIT;
      END IF;
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
