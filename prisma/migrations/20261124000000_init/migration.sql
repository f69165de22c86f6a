-- CreateTable
CREATE TABLE "InventoryItem" (
    "shopId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "variantKey" TEXT NOT NULL DEFAULT '',
    "productId" TEXT NOT NULL,
    "variantAttributes" JSONB NOT NULL DEFAULT '{}',
    "quantity" INTEGER NOT NULL,
    "reserved" INTEGER NOT NULL DEFAULT 0,
    "lowStockThreshold" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "InventoryItem_pkey" PRIMARY KEY ("shopId","sku","variantKey")
);

-- CreateTable
CREATE TABLE "StockLedgerEntry" (
    "id" BIGSERIAL NOT NULL,
    "shopId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "variantKey" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,
    "quantityAfter" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "holdId" TEXT,
    "actor" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StockLedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InventoryHold" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "committedAt" TIMESTAMPTZ(3),
    "releasedAt" TIMESTAMPTZ(3),
    "expiredAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "idempotencyKey" TEXT,
    "requestFingerprint" TEXT,

    CONSTRAINT "InventoryHold_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InventoryHoldItem" (
    "id" TEXT NOT NULL,
    "holdId" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "variantKey" TEXT NOT NULL,
    "variantAttributes" JSONB NOT NULL,
    "quantity" INTEGER NOT NULL,

    CONSTRAINT "InventoryHoldItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StockAlertState" (
    "shopId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "variantKey" TEXT NOT NULL,
    "lastAlertedAt" TIMESTAMPTZ(3) NOT NULL,
    "lastAvailable" INTEGER NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StockAlertState_pkey" PRIMARY KEY ("shopId","sku","variantKey")
);

-- CreateTable
CREATE TABLE "ProcessedWebhookEvent" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL DEFAULT 'stripe',
    "type" TEXT NOT NULL,
    "processedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedWebhookEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StockLedgerEntry_shopId_sku_variantKey_id_idx" ON "StockLedgerEntry"("shopId", "sku", "variantKey", "id");

-- CreateIndex
CREATE INDEX "StockLedgerEntry_shopId_createdAt_idx" ON "StockLedgerEntry"("shopId", "createdAt");

-- CreateIndex
CREATE INDEX "InventoryHold_shopId_status_idx" ON "InventoryHold"("shopId", "status");

-- CreateIndex
CREATE INDEX "InventoryHold_expiresAt_idx" ON "InventoryHold"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "InventoryHold_shopId_idempotencyKey_key" ON "InventoryHold"("shopId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "InventoryHoldItem_holdId_idx" ON "InventoryHoldItem"("holdId");

-- CreateIndex
CREATE INDEX "InventoryHoldItem_shopId_sku_variantKey_idx" ON "InventoryHoldItem"("shopId", "sku", "variantKey");

-- AddForeignKey
ALTER TABLE "InventoryHoldItem" ADD CONSTRAINT "InventoryHoldItem_holdId_fkey" FOREIGN KEY ("holdId") REFERENCES "InventoryHold"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Invariants the schema language cannot express (written by hand).
ALTER TABLE "InventoryItem"
    ADD CONSTRAINT "InventoryItem_quantity_nonnegative" CHECK ("quantity" >= 0),
    ADD CONSTRAINT "InventoryItem_reserved_nonnegative" CHECK ("reserved" >= 0),
    ADD CONSTRAINT "InventoryItem_reserved_within_quantity" CHECK ("reserved" <= "quantity"),
    ADD CONSTRAINT "InventoryItem_low_stock_threshold_nonnegative" CHECK ("lowStockThreshold" IS NULL OR "lowStockThreshold" >= 0),
    ADD CONSTRAINT "InventoryItem_version_positive" CHECK ("version" >= 1),
    ADD CONSTRAINT "InventoryItem_sku_nonempty" CHECK (length("sku") > 0);

ALTER TABLE "StockLedgerEntry"
    ADD CONSTRAINT "StockLedgerEntry_quantity_after_nonnegative" CHECK ("quantityAfter" >= 0);

ALTER TABLE "InventoryHold"
    ADD CONSTRAINT "InventoryHold_status_known" CHECK ("status" IN ('active', 'committed', 'released', 'expired'));

ALTER TABLE "InventoryHoldItem"
    ADD CONSTRAINT "InventoryHoldItem_quantity_positive" CHECK ("quantity" > 0);

-- Active holds are what the reaper scans; keep that scan off the full table.
CREATE INDEX "InventoryHold_active_expiresAt_idx" ON "InventoryHold"("shopId", "expiresAt") WHERE "status" = 'active';
