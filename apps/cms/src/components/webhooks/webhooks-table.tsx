import Link from "next/link";
import { formatNumber, formatTime } from "@/app/cms/_lib/format";
import { WebhookActions } from "./webhook-actions";
import { describeEventTypes, type WebhookRow } from "./webhook-types";
import styles from "./webhooks.module.css";

/** How far behind a cursor is, in words. */
export function describeLag(lag: number): string {
  if (lag === 0) return "up to date";
  return `${formatNumber(lag)} event${lag === 1 ? "" : "s"} behind`;
}

/** Every subscription: where it sends, what, and per shop how far behind it is. */
export function WebhooksTable({ webhooks, kinds }: { webhooks: WebhookRow[]; kinds: readonly string[] }) {
  if (webhooks.length === 0)
    return <p className="empty">No webhook yet: add one above to send a shop&apos;s stock changes to a URL.</p>;
  return (
    <div className="table-scroll">
      <table className="table webhooks-table phone-cards">
        <thead>
          <tr>
            <th>Name</th>
            <th>URL</th>
            <th>Event types</th>
            <th>Status</th>
            <th>Per shop</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {webhooks.map((webhook) => (
            <tr key={webhook.id} data-webhook={webhook.id} className={webhook.active ? undefined : styles.paused}>
              <td className="product-cell">
                <Link href={`/cms/webhooks/${encodeURIComponent(webhook.id)}`}>{webhook.name}</Link>
              </td>
              <td className={styles.url} data-label="URL">
                <code>{webhook.url}</code>
              </td>
              <td className="small" data-label="Event types">
                {describeEventTypes(webhook.kinds, kinds)}
              </td>
              <td data-label="Status">
                {webhook.active ? (
                  <span className="badge badge-ok">active</span>
                ) : (
                  <span className="badge badge-out">paused</span>
                )}
              </td>
              <td data-label="Per shop">
                <span>
                  {webhook.cursors.map((cursor) => (
                    <div key={cursor.shopId} className="small" data-shop={cursor.shopId}>
                      <strong>{cursor.shopId}</strong>: {describeLag(cursor.lag)}
                      {cursor.failures > 0 && (
                        <>
                          {" "}
                          <span className="badge badge-out" title={cursor.lastError ?? undefined}>
                            {cursor.failures === 1 ? "last attempt failed" : `${cursor.failures} failures in a row`}
                          </span>
                        </>
                      )}{" "}
                      · last success {cursor.lastSuccessAt ? formatTime(cursor.lastSuccessAt) : "never"}
                    </div>
                  ))}
                </span>
              </td>
              <td className="actions">
                <WebhookActions webhook={webhook} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
