// The demo's data and seed (used by `pnpm start` and end-to-end tests; not part of the public API).
export { DEMO_OPERATOR, DEMO_SHOP_ID, DEMO_SHOPS, SECOND_DEMO_SHOP_ID } from "./demo-stock.ts";
export type { DemoShop } from "./demo-stock.ts";
export { seedDemo } from "./seed-demo.ts";
export type { SeedDemoOptions, SeedDemoResult } from "./seed-demo.ts";
