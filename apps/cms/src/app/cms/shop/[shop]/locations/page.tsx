import { operatorMay } from "@acme/platform-core";
import { requirePageOperator } from "@/lib/auth/guards";
import { formatNumber, shopPath } from "@/app/cms/_lib/format";
import { loadShopLocations } from "@/app/cms/_lib/locations";
import { AddLocationForm } from "@/components/locations/add-location-form";
import { AllocationStrategyForm } from "@/components/locations/allocation-strategy-form";
import { LocationTabs } from "@/components/locations/location-tabs";
import { LocationsTable } from "@/components/locations/locations-table";
import { toLocationRow } from "@/components/locations/location-types";

export const dynamic = "force-dynamic";

/**
 * A shop's locations (warehouses and stores) with the stock each keeps, adding and editing them, and how checkouts
 * choose among them. Everyone reads; editors change.
 */
export default async function LocationsPage({ params }: { params: Promise<{ shop: string }> }) {
  const shopId = decodeURIComponent((await params).shop);
  const operator = await requirePageOperator({ shop: shopId, role: "viewer", next: shopPath(shopId, "/locations") });
  const { locations, strategy, backend } = await loadShopLocations(shopId);
  const canEdit = operatorMay(operator, "edit", shopId);
  const online = locations.filter((location) => location.online);
  return (
    <>
      <div className="page-head">
        <h1>Locations · {shopId}</h1>
        {!canEdit && <p className="notice">You have read-only access: ask an editor to change locations.</p>}
      </div>
      <LocationTabs shopId={shopId} current="locations" />
      <p className="muted" data-testid="online-summary">
        Buyers can buy the units of {formatNumber(online.length)} of {formatNumber(locations.length)}{" "}
        {locations.length === 1 ? "location" : "locations"}: those active and selling online. The shop total in the
        stock grid adds up those; units held there are reserved for checkouts being paid.
      </p>
      {backend === "json" && (
        <p className="notice">
          This shop&apos;s stock is kept in files (the JSON backend), which keep one location per shop, main. Use the
          PostgreSQL backend for warehouses, stores and transfers.
        </p>
      )}
      <LocationsTable shopId={shopId} locations={locations.map(toLocationRow)} canEdit={canEdit} />
      {canEdit && <AddLocationForm shopId={shopId} />}
      <AllocationStrategyForm shopId={shopId} strategy={strategy} canEdit={canEdit} />
    </>
  );
}
