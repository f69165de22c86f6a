-- CreateTable
CREATE TABLE "OversoldSale" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "holdId" TEXT,
    "checkoutSessionId" TEXT,
    "items" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMPTZ(3),

    CONSTRAINT "OversoldSale_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OpsAlert" (
    "id" BIGSERIAL NOT NULL,
    "severity" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMPTZ(3),
    "deliveryError" TEXT,

    CONSTRAINT "OpsAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OversoldSale_holdId_key" ON "OversoldSale"("holdId");

-- CreateIndex
CREATE INDEX "OversoldSale_shopId_createdAt_idx" ON "OversoldSale"("shopId", "createdAt");

-- CreateIndex
CREATE INDEX "OpsAlert_createdAt_idx" ON "OpsAlert"("createdAt");

-- Invariants the schema language cannot express (written by hand).
ALTER TABLE "OpsAlert"
    ADD CONSTRAINT "OpsAlert_severity_known" CHECK ("severity" IN ('info', 'warning', 'critical'));

-- Sells lines that are not reserved (a lapsed hold paid late, or a
-- validate-only checkout): every line or none, only where available stock
-- covers it. Locks stock rows in the global order. Returns the shortfall
-- (empty when sold).
CREATE FUNCTION inventory_sell_unreserved(
  p_shop text, p_hold_id text, p_skus text[], p_keys text[], p_quantities integer[], p_actor text, p_note text, p_now timestamptz
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_short jsonb;
BEGIN
  PERFORM inventory_lock_stock(p_shop, p_skus, p_keys);
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
$$;

-- Payment arrived for a hold. Active: an ordinary commit. Committed: no-op.
-- Released or expired (the hold lapsed first): sell again if stock allows,
-- else record an oversold sale and leave stock untouched.
-- Returns {"outcome": "committed" | "already_committed" | "recommitted" | "oversold" | "not_found", ...}.
CREATE FUNCTION inventory_commit_paid_hold(p_shop text, p_hold_id text, p_actor text, p_session_id text, p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_status text;
  v_short jsonb;
  v_skus text[];
  v_keys text[];
  v_qtys integer[];
BEGIN
  SELECT status INTO v_status FROM "InventoryHold" WHERE id = p_hold_id AND "shopId" = p_shop FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'not_found');
  END IF;
  IF v_status IN ('active', 'committed') THEN
    RETURN inventory_commit_hold(p_shop, p_hold_id, p_actor, p_now);
  END IF;
  IF EXISTS (SELECT 1 FROM "OversoldSale" WHERE "holdId" = p_hold_id) THEN
    RETURN jsonb_build_object('outcome', 'oversold', 'status', v_status, 'repeated', true);
  END IF;

  SELECT array_agg(sku ORDER BY sku COLLATE "C", "variantKey" COLLATE "C"),
         array_agg("variantKey" ORDER BY sku COLLATE "C", "variantKey" COLLATE "C"),
         array_agg(qty ORDER BY sku COLLATE "C", "variantKey" COLLATE "C")
  INTO v_skus, v_keys, v_qtys
  FROM (SELECT sku, "variantKey", sum(quantity)::int AS qty FROM "InventoryHoldItem" WHERE "holdId" = p_hold_id GROUP BY 1, 2) lines;

  v_short := inventory_sell_unreserved(p_shop, p_hold_id, v_skus, v_keys, v_qtys, p_actor, 'paid after the hold lapsed', p_now);
  IF jsonb_array_length(v_short) = 0 THEN
    UPDATE "InventoryHold" SET status = 'committed', "committedAt" = p_now, "updatedAt" = p_now WHERE id = p_hold_id;
    RETURN jsonb_build_object('outcome', 'recommitted', 'status', 'committed');
  END IF;
  INSERT INTO "OversoldSale" (id, "shopId", "holdId", "checkoutSessionId", items, "createdAt")
  VALUES ('oversold_' || p_hold_id, p_shop, p_hold_id, p_session_id, v_short, p_now);
  RETURN jsonb_build_object('outcome', 'oversold', 'status', v_status, 'insufficient', v_short);
END;
$$;

-- A paid checkout that held no stock (validate-only mode): records the sale
-- once per p_sale_id (a committed hold row, so redelivery changes nothing),
-- or an oversold sale when the stock is gone.
-- Returns {"outcome": "sold" | "already_recorded" | "oversold", ...}.
CREATE FUNCTION inventory_record_paid_sale(
  p_shop text, p_sale_id text, p_session_id text, p_skus text[], p_keys text[], p_quantities integer[], p_actor text, p_now timestamptz
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_short jsonb;
BEGIN
  INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "createdAt", "updatedAt", "idempotencyKey")
  VALUES (p_sale_id, p_shop, 'released', p_now, p_now, p_now, NULL)
  ON CONFLICT (id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'already_recorded');
  END IF;
  INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity)
  SELECT p_sale_id || ':' || l.ord, p_sale_id, p_shop, l.sku, coalesce(i."productId", l.sku), l.key,
         coalesce(i."variantAttributes", '{}'::jsonb), l.qty
  FROM unnest(p_skus, p_keys, p_quantities) WITH ORDINALITY AS l(sku, key, qty, ord)
  LEFT JOIN "InventoryItem" i ON i."shopId" = p_shop AND i.sku = l.sku AND i."variantKey" = l.key;

  v_short := inventory_sell_unreserved(p_shop, p_sale_id, p_skus, p_keys, p_quantities, p_actor, 'validate-only checkout', p_now);
  IF jsonb_array_length(v_short) = 0 THEN
    UPDATE "InventoryHold" SET status = 'committed', "committedAt" = p_now WHERE id = p_sale_id;
    RETURN jsonb_build_object('outcome', 'sold');
  END IF;
  INSERT INTO "OversoldSale" (id, "shopId", "holdId", "checkoutSessionId", items, "createdAt")
  VALUES ('oversold_' || p_sale_id, p_shop, p_sale_id, p_session_id, v_short, p_now);
  RETURN jsonb_build_object('outcome', 'oversold', 'insufficient', v_short);
END;
$$;
