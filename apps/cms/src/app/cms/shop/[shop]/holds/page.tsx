import Link from "next/link";
import {
  getHoldCapPressure,
  getShopHoldPolicy,
  listInventoryHolds,
  operatorMay,
  type HoldCapPressure,
  type HoldStatus,
} from "@acme/platform-core";
import { requirePageOperator } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { ReleaseHoldButton } from "@/components/release-hold-button";
import { formatNumber, formatTime, holdersPath, shopPath } from "@/app/cms/_lib/format";
import { DEFAULT_LOCATION, refId } from "@acme/platform-core/universal";
import { ItemName } from "@/components/item-name";
import { getCmsEnv } from "@/env";

export const dynamic = "force-dynamic";

const STATUSES: HoldStatus[] = ["active", "expired", "committed", "released"];
const LIMIT = 200;

const STATUS_HELP: Record<HoldStatus, string> = {
  active: "Units reserved for a buyer who is paying now.",
  expired: "Time ran out before payment; the units are available again.",
  committed: "Paid: the units left stock.",
  released: "Given back (checkout cancelled or released by an operator).",
};

interface Props {
  params: Promise<{ shop: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/**
 * A shop's holds by status, each with its lines (and, in a shop with several locations, where each line's units are
 * held or were sold from); editors can release an active hold.
 */
export default async function HoldsPage({ params, searchParams }: Props) {
  const { shop } = await params;
  const shopId = decodeURIComponent(shop);
  const operator = await requirePageOperator({ shop: shopId, role: "viewer", next: shopPath(shopId, "/holds") });
  const requested = (await searchParams).status;
  const status = STATUSES.find((s) => s === requested) ?? "active";
  const { holds, inventory, locations: locationStore } = getStores();
  const [list, policy, pressure, locations] = await Promise.all([
    listInventoryHolds({ shopId, status, limit: LIMIT, store: holds }),
    getShopHoldPolicy({ shopId, store: holds }),
    // Counted in PostgreSQL across instances; the JSON backend keeps no event counts.
    status === "active" && holds.backend === "prisma" ? getHoldCapPressure({ shopId }) : Promise.resolve(undefined),
    locationStore.listLocations(shopId),
  ]);
  // Where each line's units are (or were sold from), once a shop keeps stock in more than its main location.
  const multi = locations.length > 1 || locations.some((l) => !l.online);
  const names = new Map(locations.map((l) => [l.code, l.name]));
  // Titles as the variants carry them now (one read for every line on the page).
  const refs = [...new Map(list.flatMap((hold) => hold.items).map((item) => [refId(item), item])).values()];
  const items = new Map((await inventory.getItems(shopId, refs)).map((item) => [refId(item), item]));
  const sessionUrl = getCmsEnv().stripeSessionUrl;
  const canEdit = operatorMay(operator, "edit", shopId);
  return (
    <>
      <div className="page-head">
        <h1>Holds · {shopId}</h1>
      </div>
      <nav className="tabs" aria-label="Hold status">
        {STATUSES.map((s) => (
          <Link
            key={s}
            href={`${shopPath(shopId, "/holds")}?status=${s}`}
            className={s === status ? "tab active" : "tab"}
            aria-current={s === status ? "page" : undefined}
          >
            {s[0]!.toUpperCase() + s.slice(1)}
          </Link>
        ))}
      </nav>
      <p className="muted">
        {STATUS_HELP[status]} Newest first{list.length === LIMIT ? `, the latest ${LIMIT}` : ""}.
      </p>
      {status === "active" && (
        <p className="muted small" data-testid="caps">
          Each client may hold {formatNumber(policy.maxActiveHoldsPerClient)} holds and{" "}
          {formatNumber(policy.maxHeldUnitsPerClient)} units at once
          {policy.isDefault ? " (the defaults)" : ""}; see <Link href={shopPath(shopId, "/settings")}>hold policy</Link>
          . An item’s Holders link lists who holds that variant.
        </p>
      )}
      {pressure ? <CapPressure pressure={pressure} /> : null}
      <div className="table-scroll">
        <table className="table holds-table phone-cards">
          <thead>
            <tr>
              <th>Hold</th>
              <th>Checkout</th>
              <th>Status</th>
              <th>Created</th>
              <th>{status === "active" ? "Expires" : "Ended"}</th>
              <th>Items</th>
              <th className="num">Units</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.length === 0 && (
              <tr>
                <td colSpan={8} className="empty">
                  No {status} holds.
                </td>
              </tr>
            )}
            {list.map((hold) => (
              <tr key={hold.holdId} data-hold-id={hold.holdId} data-status={hold.status}>
                <td className="mono small hold-id" data-label="Hold" title={hold.holdId}>
                  {hold.holdId}
                </td>
                <td className="small" data-label="Checkout">
                  {hold.checkoutSessionId ? (
                    <a
                      href={sessionUrl(hold.checkoutSessionId)}
                      target="_blank"
                      rel="noreferrer"
                      title={hold.checkoutSessionId}
                    >
                      Stripe session ↗
                    </a>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td data-label="Status">
                  <span className={`badge badge-hold-${hold.status}`}>{hold.status}</span>
                </td>
                <td className="small" data-label="Created">
                  {formatTime(hold.createdAt)}
                </td>
                <td className="small" data-label={status === "active" ? "Expires" : "Ended"}>
                  {hold.status === "active"
                    ? formatTime(hold.expiresAt)
                    : formatTime(hold.committedAt ?? hold.releasedAt ?? hold.expiredAt ?? hold.expiresAt)}
                </td>
                <td data-label="Items">
                  <ul className="hold-items">
                    {hold.items.map((item) => (
                      <li key={refId(item)}>
                        <ItemName item={items.get(refId(item)) ?? item} sku={item.sku} /> ×{" "}
                        {formatNumber(item.quantity)}
                        {(multi || item.locations.some((at) => at.location !== DEFAULT_LOCATION)) &&
                          item.locations.length > 0 && (
                            <span className="hold-locations" data-locations={item.locations.length}>
                              {" — "}
                              {item.locations.map((at, index) => (
                                <span key={at.location} data-location={at.location} title={names.get(at.location)}>
                                  {index > 0 ? ", " : ""}
                                  {formatNumber(at.quantity)} at {at.location}
                                </span>
                              ))}
                            </span>
                          )}
                        {hold.status === "active" && (
                          <>
                            {" "}
                            <Link className="small" href={holdersPath(shopId, item.sku, item.variantKey)}>
                              Holders
                            </Link>
                          </>
                        )}
                      </li>
                    ))}
                  </ul>
                </td>
                <td className="num" data-label="Units">
                  {formatNumber(hold.items.reduce((sum, item) => sum + item.quantity, 0))}
                </td>
                <td className="actions">
                  {hold.status === "active" && (
                    <ReleaseHoldButton shopId={shopId} holdId={hold.holdId} canEdit={canEdit} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Whether anyone presses on the caps now: a bot shows here first. */
function CapPressure({ pressure }: { pressure: HoldCapPressure }) {
  const minutes = Math.round(pressure.windowSeconds / 60);
  const pressed = pressure.clientsAtCap > 0 || pressure.capRefusals > 0 || pressure.limitRefusals > 0;
  return (
    <p className={pressed ? "conflict-box small" : "muted small"} data-testid="cap-pressure">
      {formatNumber(pressure.clientsAtCap)} {pressure.clientsAtCap === 1 ? "client is" : "clients are"} at a cap now. In
      the last {minutes} minutes, {formatNumber(pressure.capRefusals)} of {formatNumber(pressure.clientRequests)}{" "}
      checkouts were refused by a cap and {formatNumber(pressure.limitRefusals)} by a purchase limit.
    </p>
  );
}
