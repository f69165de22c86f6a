import Link from "next/link";
import { formatNumber, formatTime } from "@/app/cms/_lib/format";
import { WebhookActions } from "./webhook-actions";
import type { WebhookRow } from "./webhook-types";
import styles from "./webhooks.module.css";

/** Every subscription: where it sends, what, and per shop how far behind it is. */
export function WebhooksTable({ webhooks }: { webhooks: WebhookRow[] }) {
  if (webhooks.length === 0) return <p className="empty">No webhook yet.</p>;
  return (
    <div className="table-scroll">
      <table className="table webhooks-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>URL</th>
            <th>Event types</th>
            <th>Status</th>
            <th>Per shop: lag, failures, last success</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {webhooks.map((webhook) => (
            <tr key={webhook.id} data-webhook={webhook.id} className={webhook.active ? undefined : styles.paused}>
              <td>
                <Link href={`/cms/webhooks/${encodeURIComponent(webhook.id)}`}>{webhook.name}</Link>
              </td>
              <td className={styles.url}>
                <code>{webhook.url}</code>
              </td>
              <td className="small">{webhook.kinds.join(", ")}</td>
              <td>
                {webhook.active ? (
                  <span className="badge badge-ok">active</span>
                ) : (
                  <span className="badge badge-out">paused</span>
                )}
              </td>
              <td>
                {webhook.cursors.map((cursor) => (
                  <div key={cursor.shopId} className="small" data-shop={cursor.shopId}>
                    <strong>{cursor.shopId}</strong>: lag {formatNumber(cursor.lag)}
                    {cursor.failures > 0 && (
                      <span className="badge badge-out" title={cursor.lastError ?? undefined}>
                        {cursor.failures} failed
                      </span>
                    )}{" "}
                    · last success {cursor.lastSuccessAt ? formatTime(cursor.lastSuccessAt) : "never"}
                  </div>
                ))}
              </td>
              <td>
                <WebhookActions webhook={webhook} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
