import Link from "next/link";
import { operatorMay, type TransferStatus } from "@acme/platform-core";
import { refId } from "@acme/platform-core/universal";
import { requirePageOperator } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { formatNumber, formatTime, shopPath } from "@/app/cms/_lib/format";
import { ItemName } from "@/components/item-name";
import { LocationTabs } from "@/components/locations/location-tabs";
import { ReceiveTransferButton } from "@/components/locations/receive-transfer-button";
import { TransferForm } from "@/components/locations/transfer-form";
import styles from "@/components/locations/locations.module.css";

export const dynamic = "force-dynamic";

const LIMIT = 50;

const STATUS_TEXT: Record<TransferStatus, string> = { in_transit: "in transit", received: "received" };

/** Stock moved between a shop's locations: a new transfer, the latest ones, and receiving one in transit. */
export default async function TransfersPage({ params }: { params: Promise<{ shop: string }> }) {
  const shopId = decodeURIComponent((await params).shop);
  const operator = await requirePageOperator({
    shop: shopId,
    role: "viewer",
    next: shopPath(shopId, "/locations/transfers"),
  });
  const { inventory, locations: locationStore } = getStores();
  const [locations, transfers] = await Promise.all([
    locationStore.listLocations(shopId),
    locationStore.listTransfers(shopId, { limit: LIMIT }),
  ]);
  // Titles as the variants carry them now (one read for every line on the page).
  const refs = [...new Map(transfers.flatMap((t) => t.lines).map((line) => [refId(line), line])).values()];
  const items = new Map((await inventory.getItems(shopId, refs)).map((item) => [refId(item), item]));
  const names = new Map(locations.map((l) => [l.code, l.name]));
  const canEdit = operatorMay(operator, "edit", shopId);
  const inTransit = transfers.filter((t) => t.status === "in_transit").length;
  return (
    <>
      <div className="page-head">
        <h1>Transfers · {shopId}</h1>
        {!canEdit && <p className="notice">You have read-only access: ask an editor to move stock.</p>}
      </div>
      <LocationTabs shopId={shopId} current="transfers" />
      <p className="muted">
        A transfer moves units that are free at the source (never units held for a checkout) and writes both ends to the
        ledger. In transit, they leave the source at once and count at the destination when received.
      </p>
      {canEdit && <TransferForm shopId={shopId} locations={locations.map(({ code, name }) => ({ code, name }))} />}
      <section className="card" aria-labelledby="transfers-heading">
        <h2 id="transfers-heading">
          Recent transfers <span className="count">{formatNumber(transfers.length)}</span>
        </h2>
        <p className="muted">
          Newest first{transfers.length === LIMIT ? `, the latest ${LIMIT}` : ""}.{" "}
          {inTransit > 0 ? `${formatNumber(inTransit)} in transit.` : "None in transit."}
        </p>
        <div className="table-scroll">
          <table className="table transfers-table phone-cards">
            <thead>
              <tr>
                <th>Created</th>
                <th>From → to</th>
                <th>Lines</th>
                <th className="num">Units</th>
                <th>Status</th>
                <th>Note</th>
                <th>By</th>
                <th>Received</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {transfers.length === 0 && (
                <tr>
                  <td colSpan={9} className="empty">
                    No transfers yet.
                  </td>
                </tr>
              )}
              {transfers.map((transfer) => (
                <tr key={transfer.id} data-transfer-id={transfer.id} data-status={transfer.status}>
                  <td className="small" data-label="Created">
                    {formatTime(transfer.createdAt)}
                  </td>
                  <td data-label="From → to" className={styles.route}>
                    <span>
                      <span title={names.get(transfer.from)}>{transfer.from}</span> →{" "}
                      <span title={names.get(transfer.to)}>{transfer.to}</span>
                    </span>
                  </td>
                  <td data-label="Lines">
                    <ul className={styles.transferLines}>
                      {transfer.lines.map((line) => {
                        const item = items.get(refId(line));
                        return (
                          <li key={refId(line)}>
                            {formatNumber(line.quantity)} ×{" "}
                            {item ? (
                              <ItemName item={item} sku={line.sku} />
                            ) : (
                              <span className="mono">
                                {line.sku} {line.variantKey}
                              </span>
                            )}
                          </li>
                        );
                      })}
                    </ul>
                  </td>
                  <td className="num" data-label="Units">
                    {formatNumber(transfer.lines.reduce((sum, line) => sum + line.quantity, 0))}
                  </td>
                  <td data-label="Status">
                    <span className={`badge badge-transfer-${transfer.status}`}>{STATUS_TEXT[transfer.status]}</span>
                  </td>
                  <td data-label="Note">{transfer.note ?? ""}</td>
                  <td className="small" data-label="By">
                    {transfer.actor}
                  </td>
                  <td className="small" data-label="Received">
                    {transfer.receivedAt ? `${formatTime(transfer.receivedAt)} by ${transfer.receivedBy ?? "—"}` : "—"}
                  </td>
                  <td className="actions">
                    {transfer.status === "in_transit" && (
                      <ReceiveTransferButton shopId={shopId} transferId={transfer.id} canEdit={canEdit} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="small muted">
          Each line&apos;s movements are in the variant&apos;s history (
          <Link href={shopPath(shopId, "/data/inventory")}>stock grid</Link> → History) as transfer out and transfer in.
        </p>
      </section>
    </>
  );
}
