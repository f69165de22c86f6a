import { findReturnStore, getShopReturnPolicy, listStockReturns, type ReturnLine } from "@acme/platform-core";
import { formatMinorAmount as formatMoney, refId, variantDisplayName } from "@acme/platform-core/universal";
import { meets, requirePageOperator } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { getCmsEnv } from "@/env";
import { formatNumber, formatTime, shopPath } from "@/app/cms/_lib/format";
import { PendingReturn, type PendingReturnView } from "@/components/returns/pending-return";
import { ReturnPolicyForm } from "@/components/returns/return-policy-form";

export const dynamic = "force-dynamic";

/** "2 × Linen tee — Coral / S at main; …", each variant by its titles (the SKU when the variant is gone). */
function describeLines(lines: ReturnLine[], title: (line: ReturnLine) => string): string {
  if (lines.length === 0) return "none";
  return lines.map((line) => `${formatNumber(line.quantity)} × ${title(line)} at ${line.location}`).join("; ");
}

const STATUS: Record<string, string> = {
  restocked: "Restocked",
  not_restocked: "Not restocked",
  dismissed: "Dismissed",
  pending: "Waiting",
};

/**
 * A shop's returns: the return policy (editors and admins change it), the refunds waiting for an operator, where
 * each is restocked (choosing how many of each line) or dismissed, and the most recent decided returns.
 */
export default async function ReturnsPage({ params }: { params: Promise<{ shop: string }> }) {
  const shopId = decodeURIComponent((await params).shop);
  const operator = await requirePageOperator({ shop: shopId, role: "viewer", next: shopPath(shopId, "/returns") });
  const store = findReturnStore();
  if (!store) {
    return (
      <>
        <div className="page-head">
          <h1>Returns · {shopId}</h1>
        </div>
        <p className="notice">Returns are kept only by the PostgreSQL backend; refunds change no stock here.</p>
      </>
    );
  }
  const canEdit = meets(operator, { role: "editor", shop: shopId });
  const [policy, returns] = await Promise.all([
    getShopReturnPolicy({ shopId, store }),
    listStockReturns({ shopId, store }),
  ]);
  // Variants by their titles, read once for every line on the page.
  const allLines = [
    ...returns.pending.flatMap((entry) => [...entry.lines, ...(entry.checkout?.lines ?? [])]),
    ...returns.recent.flatMap((entry) => [...entry.lines, ...entry.restocked]),
  ];
  const refs = [...new Map(allLines.map((line) => [refId(line), line])).values()];
  const items = new Map((await getStores().inventory.getItems(shopId, refs)).map((item) => [refId(item), item]));
  const title = (line: ReturnLine) => {
    const item = items.get(refId(line));
    return item ? variantDisplayName(item) : line.variantKey ? `${line.sku} (${line.variantKey})` : line.sku;
  };
  const sessionUrl = getCmsEnv().stripeSessionUrl;
  const pending: PendingReturnView[] = returns.pending.map((entry) => ({
    refundId: entry.refundId,
    sessionId: entry.sessionId,
    sessionUrl: sessionUrl(entry.sessionId),
    paymentIntentId: entry.paymentIntentId,
    amount: formatMoney(entry.amount, entry.currency),
    paidTotal: entry.checkout ? formatMoney(entry.checkout.amountTotal, entry.checkout.currency) : null,
    mapping: entry.mapping,
    note: entry.note,
    createdAt: formatTime(entry.createdAt),
    lines: entry.lines.map((line) => ({ ...line, title: title(line) })),
    sold: (entry.checkout?.lines ?? []).map((line) => ({
      title: title(line),
      sku: line.sku,
      variantKey: line.variantKey,
      location: line.location,
      quantity: line.quantity,
      unitAmount: line.unitAmount === null ? null : formatMoney(line.unitAmount, entry.currency),
    })),
  }));
  return (
    <>
      <div className="page-head">
        <h1>Returns · {shopId}</h1>
      </div>
      <ReturnPolicyForm
        shopId={shopId}
        policy={policy.policy}
        isDefault={policy.updatedAt === null}
        canEdit={canEdit}
      />
      <h2>Waiting for a decision ({pending.length})</h2>
      {pending.length === 0 ? (
        <p className="empty" data-testid="no-pending-returns">
          No refund is waiting for a decision. Refunds made in Stripe appear here when the policy asks, or when the
          refunded amount does not say which units came back.
        </p>
      ) : (
        pending.map((entry) => <PendingReturn key={entry.refundId} shopId={shopId} entry={entry} canEdit={canEdit} />)
      )}
      <h2>Recent returns</h2>
      {returns.recent.length === 0 ? (
        <p className="empty">No refund has been decided yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="table phone-cards" data-testid="recent-returns">
            <thead>
              <tr>
                <th scope="col">Refund</th>
                <th scope="col">Checkout</th>
                <th scope="col">Amount</th>
                <th scope="col">Outcome</th>
                <th scope="col">Units refunded</th>
                <th scope="col">Put back in stock</th>
                <th scope="col">Decided</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {returns.recent.map((entry) => (
                <tr key={entry.refundId} data-refund={entry.refundId} data-status={entry.status}>
                  <td className="mono small hold-id product-cell" title={entry.refundId}>
                    {entry.refundId}
                  </td>
                  <td className="small" data-label="Checkout">
                    <a href={sessionUrl(entry.sessionId)} target="_blank" rel="noreferrer" title={entry.sessionId}>
                      Stripe session ↗
                    </a>
                  </td>
                  <td data-label="Amount">{formatMoney(entry.amount, entry.currency)}</td>
                  <td data-label="Outcome">
                    <span className={`badge ${entry.status === "restocked" ? "badge-ok" : "badge-low"}`}>
                      {STATUS[entry.status] ?? entry.status}
                    </span>
                  </td>
                  <td data-label="Units refunded">{describeLines(entry.lines, title)}</td>
                  <td data-label="Put back in stock">{describeLines(entry.restocked, title)}</td>
                  <td className="small" data-label="Decided">
                    {formatTime(entry.decidedAt)}
                    {entry.decidedBy ? ` by ${entry.decidedBy}` : ""}
                  </td>
                  <td className="small" data-label="Note">
                    {entry.note ?? "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
