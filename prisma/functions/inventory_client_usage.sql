CREATE OR REPLACE FUNCTION public.inventory_client_usage(p_shop text, p_requests jsonb, p_limited text[], p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
AS $function$
  -- What the clients named in these hold requests hold now, keyed 'a:<address
  -- hash>' or 'b:<buyer hash>': {"holds", "units", "earliest"} over their
  -- active, unexpired holds, and, under "<key> U+001F <variant>" for each
  -- variant in p_limited (sku U+001F variant key), the units of that variant
  -- in their active and committed holds (what a purchase limit counts).
  WITH keys AS (
    SELECT DISTINCT 'a' AS kind, r->>'clientAddress' AS key FROM jsonb_array_elements(p_requests) r WHERE r->>'clientAddress' IS NOT NULL
    UNION
    SELECT DISTINCT 'b', r->>'clientBuyer' FROM jsonb_array_elements(p_requests) r WHERE r->>'clientBuyer' IS NOT NULL
  ), holds AS (
    SELECT k.kind || ':' || k.key AS client, h.id, h.status, h."expiresAt"
    FROM keys k JOIN "InventoryHold" h ON h."shopId" = p_shop AND h."clientAddress" = k.key
    WHERE k.kind = 'a' AND (h.status = 'committed' OR (h.status = 'active' AND h."expiresAt" > p_now))
    UNION ALL
    SELECT k.kind || ':' || k.key, h.id, h.status, h."expiresAt"
    FROM keys k JOIN "InventoryHold" h ON h."shopId" = p_shop AND h."clientBuyer" = k.key
    WHERE k.kind = 'b' AND (h.status = 'committed' OR (h.status = 'active' AND h."expiresAt" > p_now))
  ), active AS (
    SELECT h.client, count(DISTINCT h.id)::int AS holds, coalesce(sum(hi.quantity), 0)::int AS units, min(h."expiresAt") AS earliest
    FROM holds h JOIN "InventoryHoldItem" hi ON hi."holdId" = h.id
    WHERE h.status = 'active'
    GROUP BY h.client
  ), bought AS (
    SELECT h.client || chr(31) || hi.sku || chr(31) || hi."variantKey" AS key, sum(hi.quantity)::int AS units
    FROM holds h JOIN "InventoryHoldItem" hi ON hi."holdId" = h.id
    WHERE cardinality(p_limited) > 0 AND hi.sku || chr(31) || hi."variantKey" = ANY (p_limited)
    GROUP BY 1
  )
  SELECT coalesce((SELECT jsonb_object_agg(client, jsonb_build_object('holds', holds, 'units', units, 'earliest', earliest)) FROM active), '{}'::jsonb)
      || coalesce((SELECT jsonb_object_agg(key, units) FROM bought), '{}'::jsonb);
$function$;
