-- Low-stock alerts, alert delivery log, ops event counts and ops rule cooldowns.

-- CreateTable
CREATE TABLE "StockAlertCrossing" (
    "id" BIGSERIAL NOT NULL,
    "shopId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "variantKey" TEXT NOT NULL,
    "available" INTEGER NOT NULL,
    "threshold" INTEGER NOT NULL,
    "crossedAt" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "claimedAt" TIMESTAMPTZ(3),
    "processedAt" TIMESTAMPTZ(3),

    CONSTRAINT "StockAlertCrossing_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "StockAlertCrossing_status_known" CHECK ("status" IN ('pending', 'processing', 'sent', 'failed', 'suppressed', 'no_channels'))
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertDelivery_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "AlertDelivery_source_known" CHECK ("source" IN ('stock', 'ops')),
    CONSTRAINT "AlertDelivery_channel_known" CHECK ("channel" IN ('email', 'webhook')),
    CONSTRAINT "AlertDelivery_outcome_known" CHECK ("outcome" IN ('sent', 'failed'))
);

-- CreateTable
CREATE TABLE "OpsEventCount" (
    "kind" TEXT NOT NULL,
    "shopId" TEXT NOT NULL DEFAULT '',
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "total" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "OpsEventCount_pkey" PRIMARY KEY ("kind","shopId","bucket")
);

-- CreateTable
CREATE TABLE "OpsAlertRuleState" (
    "rule" TEXT NOT NULL,
    "lastFiredAt" TIMESTAMPTZ(3) NOT NULL,
    "lastValue" DOUBLE PRECISION NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OpsAlertRuleState_pkey" PRIMARY KEY ("rule")
);

-- CreateIndex
CREATE INDEX "StockAlertCrossing_status_id_idx" ON "StockAlertCrossing"("status", "id");

-- CreateIndex
CREATE INDEX "AlertDelivery_source_sourceId_idx" ON "AlertDelivery"("source", "sourceId");

-- CreateIndex
CREATE INDEX "AlertDelivery_createdAt_idx" ON "AlertDelivery"("createdAt");

-- CreateIndex
CREATE INDEX "OpsEventCount_bucket_idx" ON "OpsEventCount"("bucket");

-- Low-stock crossings are detected here, in the transaction that changes the
-- stock, so that no write path (hold functions, imports, grid edits, SQL by
-- hand) can miss one. The WHEN clause is evaluated per updated row without
-- calling the function, so a write that does not cross costs a few integer
-- comparisons; only a crossing inserts a row and flags the transaction
-- (`acme.stock_crossed`), which the hot paths read in the same statement to
-- know whether to deliver, with no extra round trip.
-- A crossing: not low before (no threshold, or available above it), low after.
CREATE FUNCTION inventory_record_stock_crossing()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "StockAlertCrossing" ("shopId", sku, "variantKey", available, threshold, "crossedAt")
  VALUES (NEW."shopId", NEW.sku, NEW."variantKey", NEW.quantity - NEW.reserved, NEW."lowStockThreshold", NEW."updatedAt");
  PERFORM set_config('acme.stock_crossed', '1', true);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "InventoryItem_low_stock_crossing"
AFTER UPDATE OF quantity, reserved, "lowStockThreshold" ON "InventoryItem"
FOR EACH ROW
WHEN (
  NEW."lowStockThreshold" IS NOT NULL
  AND NEW.quantity - NEW.reserved <= NEW."lowStockThreshold"
  AND (OLD."lowStockThreshold" IS NULL OR OLD.quantity - OLD.reserved > OLD."lowStockThreshold")
)
EXECUTE FUNCTION inventory_record_stock_crossing();
