-- Stock event webhooks: the id a delivery attempt was sent with (the
-- X-Acme-Delivery header and the body's deliveryId), so the log shows what a
-- subscriber saw.

-- AlterTable
ALTER TABLE "StockEventDelivery" ADD COLUMN "deliveryId" TEXT;
