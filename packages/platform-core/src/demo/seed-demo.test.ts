import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { createPrismaInventoryStore } from "../inventory/prisma-inventory-store.ts";
import { authenticateOperator } from "../operators/index.ts";
import { DEMO_OPERATOR, DEMO_SHOP_ID, DEMO_SHOPS, SECOND_DEMO_SHOP_ID } from "./demo-stock.ts";
import { seedDemo } from "./seed-demo.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
afterAll(async () => {
  await db?.destroy();
});

it("seeds empty shops and the operator once, and never touches them again", async () => {
  const store = createPrismaInventoryStore(db);
  const first = await seedDemo({ store, database: db });
  expect(first).toEqual({ seededShops: [DEMO_SHOP_ID, SECOND_DEMO_SHOP_ID], keptShops: [], operatorCreated: true });
  for (const shop of DEMO_SHOPS) expect(await store.listItems(shop.shopId)).toHaveLength(shop.items.length);
  const last = await store.getItem(DEMO_SHOP_ID, { sku: "CMP-TEE-CORAL", variantKey: "color=coral|size=m" });
  expect(last).toMatchObject({ quantity: 1, available: 1, productId: "linen-tee", purchaseLimit: null });
  // The drop: two variants limited to 2 per buyer, nothing else limited.
  const limits = (await store.listItems(DEMO_SHOP_ID)).filter((item) => item.purchaseLimit !== null);
  expect(limits.map((item) => [item.sku, item.variantKey, item.purchaseLimit])).toEqual([
    ["CMP-TEE-SAGE", "color=sage|size=m", 2],
    ["CMP-TEE-SAGE", "color=sage|size=s", 2],
  ]);
  expect(
    await store.getItem(SECOND_DEMO_SHOP_ID, { sku: "CMP-TEE-CORAL", variantKey: "color=coral|size=m" }),
  ).toMatchObject({ quantity: 50 });

  // Stock changed since (a sale, an edit) survives a re-seed, as does the operator.
  await store.setQuantity({
    shopId: DEMO_SHOP_ID,
    sku: "CMP-TOTE",
    variantKey: "",
    quantity: 7,
    reason: "edit",
    actor: "test",
  });
  const ledgerBefore = await store.listLedger(DEMO_SHOP_ID, { limit: 1000 });
  const again = await seedDemo({ store, database: db });
  expect(again).toEqual({ seededShops: [], keptShops: [DEMO_SHOP_ID, SECOND_DEMO_SHOP_ID], operatorCreated: false });
  expect(await store.getItem(DEMO_SHOP_ID, { sku: "CMP-TOTE", variantKey: "" })).toMatchObject({ quantity: 7 });
  expect(await store.listLedger(DEMO_SHOP_ID, { limit: 1000 })).toEqual(ledgerBefore);

  const operator = await authenticateOperator({
    database: db,
    email: DEMO_OPERATOR.email,
    password: DEMO_OPERATOR.password,
  });
  expect(operator).toMatchObject({ email: DEMO_OPERATOR.email, role: "admin" });
  expect([...operator.shops].sort()).toEqual([SECOND_DEMO_SHOP_ID, DEMO_SHOP_ID].sort());
});
