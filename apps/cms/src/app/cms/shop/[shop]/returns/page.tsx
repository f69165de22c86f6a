import { findReturnStore, getShopReturnPolicy, listStockReturns, type ReturnLine } from "@acme/platform-core";
import { meets, requirePageOperator } from "@/lib/auth/guards";
import { formatTime, shopPath } from "@/app/cms/_lib/format";
import { PendingReturn, type PendingReturnView } from "@/components/returns/pending-return";
import { ReturnPolicyForm } from "@/components/returns/return-policy-form";

export const dynamic = "force-dynamic";

/** Currencies whose amounts have no minor unit (Stripe's zero-decimal list, of those a shop may use). */
const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);

function formatMoney(amount: number, currency: string): string {
  const major = ZERO_DECIMAL.has(currency) ? String(amount) : (amount / 100).toFixed(2);
  return `${major} ${currency.toUpperCase()}`;
}

function describeLines(lines: ReturnLine[]): string {
  if (lines.length === 0) return "—";
  return lines
    .map(
      (line) => `${line.quantity} × ${line.sku}${line.variantKey ? ` (${line.variantKey})` : ""} at ${line.location}`,
    )
    .join("; ");
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
  const pending: PendingReturnView[] = returns.pending.map((entry) => ({
    refundId: entry.refundId,
    sessionId: entry.sessionId,
    paymentIntentId: entry.paymentIntentId,
    amount: formatMoney(entry.amount, entry.currency),
    paidTotal: entry.checkout ? formatMoney(entry.checkout.amountTotal, entry.checkout.currency) : null,
    mapping: entry.mapping,
    note: entry.note,
    createdAt: formatTime(entry.createdAt),
    lines: entry.lines,
    sold: (entry.checkout?.lines ?? []).map((line) => ({
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
        <p className="muted" data-testid="no-pending-returns">
          No refund is waiting.
        </p>
      ) : (
        pending.map((entry) => <PendingReturn key={entry.refundId} shopId={shopId} entry={entry} canEdit={canEdit} />)
      )}
      <h2>Recent returns</h2>
      {returns.recent.length === 0 ? (
        <p className="muted">No refund has been decided yet.</p>
      ) : (
        <table data-testid="recent-returns">
          <thead>
            <tr>
              <th scope="col">Refund</th>
              <th scope="col">Checkout</th>
              <th scope="col">Amount</th>
              <th scope="col">Outcome</th>
              <th scope="col">Returned</th>
              <th scope="col">Put back</th>
              <th scope="col">Decided</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {returns.recent.map((entry) => (
              <tr key={entry.refundId}>
                <td>{entry.refundId}</td>
                <td>{entry.sessionId}</td>
                <td>{formatMoney(entry.amount, entry.currency)}</td>
                <td>{STATUS[entry.status] ?? entry.status}</td>
                <td>{describeLines(entry.lines)}</td>
                <td>{describeLines(entry.restocked)}</td>
                <td>
                  {formatTime(entry.decidedAt)}
                  {entry.decidedBy ? ` by ${entry.decidedBy}` : ""}
                </td>
                <td>{entry.note ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
