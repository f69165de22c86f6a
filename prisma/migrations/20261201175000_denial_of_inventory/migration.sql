-- Denial of inventory: a variant may carry a purchase limit (at most that
-- many per checkout and per buyer); a hold remembers the client that asked
-- for it (hashed address and hashed buyer cookie, never the raw values) and,
-- for a checkout, the full term it gets once the buyer opens the payment
-- page (until then it lapses after the shop's unopened-hold time). Each shop
-- has a hold policy: caps on a client's active holds and held units.

-- AlterTable
ALTER TABLE "InventoryItem" ADD COLUMN "purchaseLimit" INTEGER;
ALTER TABLE "InventoryItem" ADD CONSTRAINT "InventoryItem_purchase_limit_positive" CHECK ("purchaseLimit" IS NULL OR "purchaseLimit" >= 1);

-- AlterTable
ALTER TABLE "InventoryHold" ADD COLUMN "clientAddress" TEXT,
ADD COLUMN "clientBuyer" TEXT,
ADD COLUMN "openExpiresAt" TIMESTAMPTZ(3),
ADD COLUMN "openedAt" TIMESTAMPTZ(3);

-- Only holds that name a client are counted against caps and limits. Keyed
-- by the client alone: a batch looks up hundreds of clients at once, and
-- with the shop first the planner could scan the shop's entries instead.
CREATE INDEX "InventoryHold_clientAddress_idx" ON "InventoryHold"("clientAddress") WHERE "clientAddress" IS NOT NULL;
CREATE INDEX "InventoryHold_clientBuyer_idx" ON "InventoryHold"("clientBuyer") WHERE "clientBuyer" IS NOT NULL;

-- CreateTable
CREATE TABLE "ShopHoldPolicy" (
    "shopId" TEXT NOT NULL,
    "maxActiveHoldsPerClient" INTEGER NOT NULL,
    "maxHeldUnitsPerClient" INTEGER NOT NULL,
    "unopenedHoldSeconds" INTEGER NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ShopHoldPolicy_pkey" PRIMARY KEY ("shopId"),
    CONSTRAINT "ShopHoldPolicy_max_active_holds_positive" CHECK ("maxActiveHoldsPerClient" >= 1),
    CONSTRAINT "ShopHoldPolicy_max_held_units_positive" CHECK ("maxHeldUnitsPerClient" >= 1),
    CONSTRAINT "ShopHoldPolicy_unopened_hold_seconds_range" CHECK ("unopenedHoldSeconds" BETWEEN 60 AND 1800)
);
