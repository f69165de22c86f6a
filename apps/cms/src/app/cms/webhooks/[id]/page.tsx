import {
  getStockEventSubscription,
  isInventoryError,
  listStockEventDeliveries,
  STOCK_EVENT_TYPES,
} from "@acme/platform-core";
import { notFound } from "next/navigation";
import { formatNumber, formatTime } from "@/app/cms/_lib/format";
import { requirePageOperator } from "@/lib/auth/guards";
import { DeliveryLog } from "@/components/webhooks/delivery-log";
import { ReplayForm } from "@/components/webhooks/replay-form";
import { WebhookActions } from "@/components/webhooks/webhook-actions";
import { WebhookForm } from "@/components/webhooks/webhook-form";

export const dynamic = "force-dynamic";

/** One webhook: its cursor in each shop, replay from a sequence number, the delivery log. Admins only. */
export default async function WebhookPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ before?: string }>;
}) {
  const { id } = await params;
  const { before } = await searchParams;
  const operator = await requirePageOperator({ role: "admin", next: `/cms/webhooks/${encodeURIComponent(id)}` });
  const webhook = await getStockEventSubscription({ id }).catch((error: unknown) => {
    if (isInventoryError(error, "not_found") || isInventoryError(error, "validation_failed")) notFound();
    throw error;
  });
  const log = await listStockEventDeliveries({
    subscriptionId: webhook.id,
    ...(before && /^[1-9][0-9]{0,18}$/.test(before) ? { before } : {}),
  });
  return (
    <>
      <h1>Webhook: {webhook.name}</h1>
      <p className="small">
        <code>{webhook.url}</code> · {webhook.active ? "active" : "paused"} · created {formatTime(webhook.createdAt)} by{" "}
        {webhook.createdBy}
      </p>
      <WebhookActions webhook={webhook} afterDelete="/cms/webhooks" />
      <h2>Shops</h2>
      <div className="table-scroll">
        <table className="table webhook-cursors">
          <thead>
            <tr>
              <th>Shop</th>
              <th>Delivered up to</th>
              <th>Shop&apos;s last</th>
              <th>Lag</th>
              <th>Failures</th>
              <th>Next attempt</th>
              <th>Last attempt</th>
              <th>Last success</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {webhook.cursors.map((cursor) => (
              <tr key={cursor.shopId} data-shop={cursor.shopId}>
                <td>{cursor.shopId}</td>
                <td>{formatNumber(cursor.deliveredSeq)}</td>
                <td>{formatNumber(cursor.lastSeq)}</td>
                <td>{formatNumber(cursor.lag)}</td>
                <td>
                  {cursor.failures}
                  {cursor.alertedAt && <span className="badge badge-out">alerted</span>}
                </td>
                <td>{cursor.lag > 0 ? formatTime(cursor.nextAttemptAt) : "—"}</td>
                <td>{cursor.lastAttemptAt ? formatTime(cursor.lastAttemptAt) : "never"}</td>
                <td>{cursor.lastSuccessAt ? formatTime(cursor.lastSuccessAt) : "never"}</td>
                <td className="small">{cursor.lastError ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ReplayForm webhookId={webhook.id} shops={webhook.shops} />
      <WebhookForm shops={operator.shops} kinds={STOCK_EVENT_TYPES} existing={webhook} />
      <h2>Delivery log</h2>
      <DeliveryLog
        webhookId={webhook.id}
        deliveries={log.deliveries}
        nextBefore={log.nextBefore}
        paged={before !== undefined}
      />
    </>
  );
}
