import Link from "next/link";
import { formatTime } from "@/app/cms/_lib/format";

export interface DeliveryLogRow {
  id: string;
  shopId: string;
  fromSeq: number;
  toSeq: number;
  events: number;
  attempt: number;
  outcome: "sent" | "failed";
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  deliveryId: string | null;
  createdAt: string;
}

/** The delivery log, newest first, one page; "Older" pages on with `?before=`. */
export function DeliveryLog({
  webhookId,
  deliveries,
  nextBefore,
  paged,
}: {
  webhookId: string;
  deliveries: DeliveryLogRow[];
  nextBefore: string | null;
  paged: boolean;
}) {
  const base = `/cms/webhooks/${encodeURIComponent(webhookId)}`;
  return (
    <>
      {deliveries.length === 0 ? (
        <p className="empty">No delivery attempt{paged ? " before these" : " yet"}.</p>
      ) : (
        <div className="table-scroll">
          <table className="table delivery-log">
            <thead>
              <tr>
                <th>Time</th>
                <th>Shop</th>
                <th>Sequence</th>
                <th>Events</th>
                <th>Attempt</th>
                <th>Outcome</th>
                <th>HTTP</th>
                <th>Error</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((row) => (
                <tr key={row.id} data-delivery={row.deliveryId ?? row.id}>
                  <td>{formatTime(row.createdAt)}</td>
                  <td>{row.shopId}</td>
                  <td>
                    {row.fromSeq}–{row.toSeq}
                  </td>
                  <td>{row.events}</td>
                  <td>{row.attempt}</td>
                  <td>
                    <span className={`badge ${row.outcome === "sent" ? "badge-ok" : "badge-out"}`}>{row.outcome}</span>
                  </td>
                  <td>{row.httpStatus ?? "—"}</td>
                  <td className="small">{row.error ?? ""}</td>
                  <td>{row.durationMs} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="button-row">
        {paged && (
          <Link className="button button-small" href={base}>
            Newest
          </Link>
        )}
        {nextBefore && (
          <Link className="button button-small" href={`${base}?before=${encodeURIComponent(nextBefore)}`}>
            Older
          </Link>
        )}
      </div>
    </>
  );
}
