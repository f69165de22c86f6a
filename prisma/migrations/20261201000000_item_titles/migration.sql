-- Names, not ids: each variant carries the title of its product and its own
-- title, as operators and buyers know them ('' until an import, the seed or
-- an operator sets them; the CMS then shows the product id and the variant's
-- attributes). A hold remembers the Stripe Checkout Session that pays for it.

-- AlterTable
ALTER TABLE "InventoryItem" ADD COLUMN "productTitle" TEXT NOT NULL DEFAULT '',
ADD COLUMN "variantTitle" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "InventoryHold" ADD COLUMN "checkoutSessionId" TEXT;
