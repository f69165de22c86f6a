// `pnpm db:reconcile [--shop <id>] [--repair]`: checks that every variant's
// `reserved` equals the units of its active holds, and optionally repairs it;
// then checks every location's books (reserved against the hold lines there,
// quantity against the ledger, the shop's totals against its online
// locations), which only a person can repair.
// Exit code 0: no drift (or repaired); 1: drift found and not repaired; 2: error.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { closeDatabase } from "../db/prisma-client.ts";
import { getLocationStore } from "../locations/get-location-store.ts";
import { reconcileInventoryReserved } from "./reconcile-reserved.ts";

const envFile = fileURLToPath(new URL("../../../../.env", import.meta.url));
if (existsSync(envFile)) process.loadEnvFile(envFile);

const { values } = parseArgs({
  options: { shop: { type: "string" }, repair: { type: "boolean", default: false } },
});

try {
  const report = await reconcileInventoryReserved({
    ...(values.shop === undefined ? {} : { shopId: values.shop }),
    repair: values.repair ?? false,
  });
  console.log(`Checked ${report.checked} variant(s).`);
  for (const drift of report.drift) {
    console.log(
      `  ${drift.shopId} ${drift.sku}${drift.variantKey ? ` [${drift.variantKey}]` : ""}: reserved ${drift.reserved}, active holds ${drift.expected}`,
    );
  }
  if (report.drift.length === 0) console.log("No drift: reserved equals the units of active holds everywhere.");
  else if (report.repaired) console.log(`Repaired ${report.drift.length} variant(s).`);
  else console.log(`${report.drift.length} variant(s) drifted. Run again with --repair to fix them.`);
  const books = await getLocationStore().reconcile(values.shop === undefined ? {} : { shopId: values.shop });
  console.log(`Checked ${books.checked} location level(s).`);
  for (const drift of books.drift) {
    console.log(
      `  ${drift.shopId} ${drift.sku}${drift.variantKey ? ` [${drift.variantKey}]` : ""} at ${drift.location ?? "all online locations"}: ${drift.field} ${drift.actual}, expected ${drift.expected}`,
    );
  }
  if (books.drift.length === 0) console.log("Every location's books balance.");
  else console.log(`${books.drift.length} location figure(s) do not balance.`);
  process.exitCode = (report.drift.length > 0 && !report.repaired) || books.drift.length > 0 ? 1 : 0;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
} finally {
  await closeDatabase();
}
