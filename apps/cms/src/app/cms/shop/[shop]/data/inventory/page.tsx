import { listInventoryPage, MAX_QUANTITY, operatorMay } from "@acme/platform-core";
import { requirePageOperator } from "@/lib/auth/guards";
import { shopPath } from "@/app/cms/_lib/format";
import { withLevels } from "@/app/cms/_lib/grid-levels";
import { getStores } from "@/lib/stores";
import { StockGrid } from "@/components/stock-grid";
import { DEFAULT_GRID_STATE, gridQuerySchema, splitGridQuery, type GridState } from "@/components/grid-query";
import { toGridRow, type GridLocation } from "@/components/grid-types";

export const dynamic = "force-dynamic";

interface Props {
  params: Promise<{ shop: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/**
 * The stock grid. The server renders the first page for the URL's query; the
 * client grid then asks the JSON API for further pages, sorts and searches
 * (the database sorts, filters and pages, so 10,000 variants stay quick).
 * `?location=` shows and edits one location's quantities; without it, the
 * shop total with a column per location.
 */
export default async function InventoryPage({ params, searchParams }: Props) {
  const { shop } = await params;
  const shopId = decodeURIComponent(shop);
  const operator = await requirePageOperator({
    shop: shopId,
    role: "viewer",
    next: shopPath(shopId, "/data/inventory"),
  });
  const raw = Object.fromEntries(
    Object.entries(await searchParams).flatMap(([key, value]) => (typeof value === "string" ? [[key, value]] : [])),
  );
  const { location: asked, query: pageQuery } = splitGridQuery(raw);
  const parsed = gridQuerySchema.safeParse(pageQuery);
  const query = parsed.success ? parsed.data : gridQuerySchema.parse({});
  const { inventory, locations: locationStore } = getStores();
  const [page, locationList] = await Promise.all([
    listInventoryPage({ shopId, store: inventory, query }),
    locationStore.listLocations(shopId),
  ]);
  const locations: GridLocation[] = locationList.map(({ code, name, online }) => ({ code, name, online }));
  const location = locations.find((l) => l.code === asked)?.code ?? "";
  const state: GridState = parsed.success
    ? {
        location,
        q: query.search ?? "",
        filter: query.filter,
        sort: query.sort,
        dir: query.direction,
        offset: query.offset,
      }
    : { ...DEFAULT_GRID_STATE, location };
  const canEdit = operatorMay(operator, "edit", shopId);
  return (
    <>
      <div className="page-head">
        <h1>Stock · {shopId}</h1>
        {!canEdit && <p className="notice">You have read-only access: ask an editor to change stock.</p>}
        {!parsed.success && <p className="notice">The link had an invalid grid setting; showing the default view.</p>}
        {asked !== undefined && location === "" && (
          <p className="notice">This shop has no location coded {asked}; showing all locations.</p>
        )}
      </div>
      <StockGrid
        shopId={shopId}
        canEdit={canEdit}
        initialState={state}
        initialPage={{ ...page, items: (await withLevels(shopId, page.items)).map(toGridRow) }}
        locations={locations}
        maxQuantity={MAX_QUANTITY}
      />
    </>
  );
}
