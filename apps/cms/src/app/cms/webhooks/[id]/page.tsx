import {
  getStockEventSubscription,
  isInventoryError,
  listStockEventDeliveries,
  STOCK_EVENT_TYPES,
} from "@acme/platform-core";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatNumber, formatTime } from "@/app/cms/_lib/format";
import { requirePageOperator } from "@/lib/auth/guards";
import { DeliveryLog } from "@/components/webhooks/delivery-log";
import { ReplayForm } from "@/components/webhooks/replay-form";
import { WebhookActions } from "@/components/webhooks/webhook-actions";
import { WebhookForm } from "@/components/webhooks/webhook-form";
import { describeEventTypes } from "@/components/webhooks/webhook-types";
import { describeLag } from "@/components/webhooks/webhooks-table";
import styles from "@/components/webhooks/webhooks.module.css";

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
      <p className="small">
        <Link href="/cms/webhooks">← All webhooks</Link>
      </p>
      <div className="page-head">
        <h1>Webhook: {webhook.name}</h1>
        {webhook.active ? (
          <span className="badge badge-ok">active</span>
        ) : (
          <span className="badge badge-out">paused: nothing is sent until it is resumed</span>
        )}
      </div>
      <p className={`small ${styles.url}`}>
        Sends {describeEventTypes(webhook.kinds, STOCK_EVENT_TYPES).toLowerCase()} to <code>{webhook.url}</code> ·
        created {formatTime(webhook.createdAt)} by {webhook.createdBy}
      </p>
      <WebhookActions webhook={webhook} afterDelete="/cms/webhooks" />
      <h2 className={styles.section}>Shops</h2>
      {webhook.cursors.length === 0 ? (
        <p className="empty">This webhook sends no shop&apos;s events.</p>
      ) : (
        <div className={`table-scroll ${styles.block}`}>
          <table className="table webhook-cursors phone-cards">
            <thead>
              <tr>
                <th>Shop</th>
                <th className="num">Delivered up to</th>
                <th className="num">Shop&apos;s last event</th>
                <th>Behind</th>
                <th>Failures in a row</th>
                <th>Next attempt</th>
                <th>Last attempt</th>
                <th>Last success</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {webhook.cursors.map((cursor) => (
                <tr key={cursor.shopId} data-shop={cursor.shopId}>
                  <td className="product-cell">{cursor.shopId}</td>
                  <td className="num" data-label="Delivered up to">
                    {formatNumber(cursor.deliveredSeq)}
                  </td>
                  <td className="num" data-label="Shop's last event">
                    {formatNumber(cursor.lastSeq)}
                  </td>
                  <td data-label="Behind">{describeLag(cursor.lag)}</td>
                  <td data-label="Failures in a row">
                    <span>
                      {cursor.failures}
                      {cursor.alertedAt && (
                        <>
                          {" "}
                          <span className="badge badge-out">ops alerted</span>
                        </>
                      )}
                    </span>
                  </td>
                  <td data-label="Next attempt">
                    {!webhook.active ? "paused" : cursor.lag > 0 ? formatTime(cursor.nextAttemptAt) : "—"}
                  </td>
                  <td data-label="Last attempt">{cursor.lastAttemptAt ? formatTime(cursor.lastAttemptAt) : "never"}</td>
                  <td data-label="Last success">{cursor.lastSuccessAt ? formatTime(cursor.lastSuccessAt) : "never"}</td>
                  <td className="small" data-label="Last error">
                    {cursor.lastError ?? "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ReplayForm
        webhookId={webhook.id}
        shops={webhook.cursors.map((cursor) => ({ shopId: cursor.shopId, lastSeq: cursor.lastSeq }))}
      />
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
