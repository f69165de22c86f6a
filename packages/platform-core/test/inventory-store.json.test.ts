import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createJsonHoldStore } from "../src/holds/json-hold-store.ts";
import { createJsonInventoryStore } from "../src/inventory/json-inventory-store.ts";
import { withShopFile } from "../src/inventory/json/shop-file.ts";
import { createJsonLocationStore } from "../src/locations/json-location-store.ts";
import { itemKey } from "../src/inventory/json/shop-file-format.ts";
import { describeHoldCapsContract } from "./contract/hold-caps.contract.ts";
import { describeHoldStoreContract } from "./contract/hold-store.contract.ts";
import { describeInventoryStoreContract } from "./contract/inventory-store.contract.ts";

async function jsonHarness() {
  let dataDir = await mkdtemp(path.join(tmpdir(), "acme-json-"));
  const make = () => {
    const stock = createJsonInventoryStore({ dataDir });
    const holds = createJsonHoldStore({ dataDir });
    return { stock, holds, locations: createJsonLocationStore(stock, holds) };
  };
  const harness = {
    ...make(),
    async reset() {
      await harness.stock.close();
      await rm(dataDir, { recursive: true, force: true });
      dataDir = await mkdtemp(path.join(tmpdir(), "acme-json-"));
      Object.assign(harness, make());
    },
    async destroy() {
      await harness.stock.close();
      await rm(dataDir, { recursive: true, force: true });
    },
    async corruptReserved(shopId: string, ref: { sku: string; variantKey: string }, reserved: number) {
      await withShopFile(dataDir, shopId, (state) => {
        state.items.get(itemKey(ref.sku, ref.variantKey))!.reserved = reserved;
      });
    },
  };
  return harness;
}

describeInventoryStoreContract("json (files)", async () => {
  const harness = await jsonHarness();
  return {
    get store() {
      return harness.stock;
    },
    get holds() {
      return harness.holds;
    },
    get locations() {
      return harness.locations;
    },
    reset: () => harness.reset(),
    destroy: () => harness.destroy(),
  };
});

describeHoldStoreContract("json (files)", jsonHarness);
describeHoldCapsContract("json (files)", jsonHarness);
