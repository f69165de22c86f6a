import Link from "next/link";
import {
  getShopHoldPolicy,
  isInventoryError,
  listVariantHolders,
  operatorMay,
  type VariantHolder,
} from "@acme/platform-core";
import { variantTitles } from "@acme/platform-core/universal";
import { requirePageOperator } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { formatAge, formatNumber, formatTime, historyPath, holdersPath, shopPath } from "@/app/cms/_lib/format";
import { VariantHoldersTable, type HolderRow } from "@/components/variant-holders/variant-holders-table";

export const dynamic = "force-dynamic";

const LIMIT = 50;

interface Props {
  params: Promise<{ shop: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/**
 * Who holds one variant right now (OWASP OAT-021, denial of inventory): each
 * client by hashed address and by hashed buyer cookie, most units first.
 * Editors release a client's holds here.
 */
export default async function VariantHoldersPage({ params, searchParams }: Props) {
  const shopId = decodeURIComponent((await params).shop);
  const query = await searchParams;
  const sku = typeof query.sku === "string" ? query.sku : "";
  const variantKey = typeof query.variantKey === "string" ? query.variantKey : "";
  const operator = await requirePageOperator({
    shop: shopId,
    role: "viewer",
    next: holdersPath(shopId, sku, variantKey),
  });
  const back = (
    <p className="button-row">
      <Link href={shopPath(shopId, "/holds")}>← Holds</Link>
      {sku && <Link href={historyPath(shopId, sku, variantKey)}>History of this variant</Link>}
    </p>
  );
  if (!sku) {
    return (
      <>
        {back}
        <p className="error-box">
          Choose a variant (from its history or a hold) to see who holds it; the link needs sku and variantKey.
        </p>
      </>
    );
  }
  const { inventory, holds } = getStores();
  const now = new Date();
  let holders: VariantHolder[];
  try {
    holders = await listVariantHolders({ shopId, sku, variantKey, limit: LIMIT, now, store: holds });
  } catch (error) {
    if (!isInventoryError(error) || error.code !== "validation_failed") throw error;
    return (
      <>
        {back}
        <p className="error-box">This link does not name a variant: {error.message}</p>
      </>
    );
  }
  const [item, policy] = await Promise.all([
    inventory.getItem(shopId, { sku, variantKey }),
    getShopHoldPolicy({ shopId, store: holds }),
  ]);
  const titles = item ? variantTitles(item) : undefined;
  const rows: HolderRow[] = holders.map((holder) => ({
    client: holder.client,
    key: holder.key,
    holds: holder.holds,
    units: holder.units,
    since: formatTime(holder.since),
    age: formatAge(holder.since, now),
  }));
  return (
    <>
      {back}
      <div className="page-head">
        <h1>
          Top holders · {titles ? titles.product : <span className="mono">{sku}</span>}
          {titles?.variant ? <span className="variant-title"> · {titles.variant}</span> : null}
        </h1>
        {titles && <span className="mono muted">{sku}</span>}
      </div>
      {item && (
        <dl className="stats card" data-sku={item.sku} data-variant-key={item.variantKey}>
          <div>
            <dt>Quantity</dt>
            <dd>{formatNumber(item.quantity)}</dd>
          </div>
          <div>
            <dt>Reserved</dt>
            <dd data-testid="reserved">{formatNumber(item.reserved)}</dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd data-testid="available">{formatNumber(item.available)}</dd>
          </div>
        </dl>
      )}
      <p className="muted">
        Who holds this variant now, most units first{holders.length === LIMIT ? `, the top ${LIMIT}` : ""}. A client is
        known by its network address and by its buyer cookie, both hashed (the first 8 of 32 hex digits shown), so one
        hold is listed under each. Caps per client in {shopId}: {formatNumber(policy.maxActiveHoldsPerClient)} active
        holds and {formatNumber(policy.maxHeldUnitsPerClient)} units (
        <Link href={shopPath(shopId, "/settings")}>hold policy</Link>).
      </p>
      <p className="muted small">
        Release holds gives back every active hold of that client in the shop, of any variant; each line is written to
        the ledger as hold_release by you.
      </p>
      <VariantHoldersTable shopId={shopId} rows={rows} canEdit={operatorMay(operator, "edit", shopId)} />
    </>
  );
}
