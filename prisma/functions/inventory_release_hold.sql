CREATE OR REPLACE FUNCTION public.inventory_release_hold(p_shop text, p_hold_id text, p_now timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
DECLARE
  v_status text;
BEGIN
  SELECT status INTO v_status FROM "InventoryHold" WHERE id = p_hold_id AND "shopId" = p_shop FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  IF v_status <> 'active' THEN
    RETURN jsonb_build_object('outcome', 'unchanged', 'status', v_status);
  END IF;
  PERFORM inventory_settle_holds(ARRAY[p_hold_id], 'released', p_now);
  RETURN jsonb_build_object('outcome', 'released', 'status', 'released');
END;
$function$;
