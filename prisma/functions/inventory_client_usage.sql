CREATE OR REPLACE FUNCTION public.inventory_client_usage(p_shop text, p_addresses text[], p_buyers text[], p_limited text[], p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
 SET enable_seqscan TO 'off'
AS $function$
  -- What these clients (address hashes, buyer hashes) hold now, keyed
  -- 'a:<address hash>' or 'b:<buyer hash>': {"holds", "units", "earliest"} over their
  -- active, unexpired holds, and, under "<key> U+001F <variant>" for each
  -- variant in p_limited (sku U+001F variant key), the units of that variant
  -- in their active and committed holds (what a purchase limit counts).
  --
  -- Each kind is one scan of its client index for all the keys, whatever
  -- the table's statistics say: the holds are found by the keys alone (a
  -- fence, MATERIALIZED), then filtered by shop and status, and sequential
  -- scans are off in here. Planned on the statistics of a table still
  -- small, the shop's other indexes were chosen instead, and every client
  -- hold of the shop was matched against every key.
  WITH found AS MATERIALIZED (
    SELECT 'a:' || h."clientAddress" AS client, h."shopId", h.id, h.status, h."expiresAt"
    FROM "InventoryHold" h
    WHERE h."clientAddress" = ANY (p_addresses)
    UNION ALL
    SELECT 'b:' || h."clientBuyer", h."shopId", h.id, h.status, h."expiresAt"
    FROM "InventoryHold" h
    WHERE h."clientBuyer" = ANY (p_buyers)
  ), holds AS (
    SELECT client, id, status, "expiresAt" FROM found
    WHERE "shopId" = p_shop AND (status = 'committed' OR (status = 'active' AND "expiresAt" > p_now))
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
