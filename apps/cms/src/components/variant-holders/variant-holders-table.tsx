"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { ReleaseClientHoldsButton, type ClientRelease, type HolderClient } from "./release-client-holds-button";

/** One client's active holds on the variant, as the server rendered them. */
export interface HolderRow {
  client: HolderClient;
  key: string;
  holds: number;
  units: number;
  /** When the oldest of these holds was made (as the CMS writes times) and its age when the page was rendered. */
  since: string;
  age: string;
}

export const CLIENT_KIND_LABELS: Record<HolderClient, string> = { address: "Network address", buyer: "Buyer cookie" };

/** A client key as the page shows it: the first 8 of its 32 hex digits (the whole key in the title). */
export function shortKey(key: string): string {
  return key.slice(0, 8);
}

function clientName(row: Pick<HolderRow, "client" | "key">): string {
  return `${CLIENT_KIND_LABELS[row.client].toLowerCase()} ${shortKey(row.key)}`;
}

/** Who holds the variant, most units first, each with a Release holds button (editors). */
export function VariantHoldersTable({
  shopId,
  rows,
  canEdit,
}: {
  shopId: string;
  rows: HolderRow[];
  canEdit: boolean;
}) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [released, setReleased] = useState<string>();

  return (
    <>
      {released && (
        <p className="success-box" role="status" data-testid="release-result">
          {released}
        </p>
      )}
      <div className="table-scroll">
        <table className="table holders-table phone-cards">
          <thead>
            <tr>
              <th>Client</th>
              <th>Kind</th>
              <th className="num">Holds</th>
              <th className="num">Units</th>
              <th>Oldest hold</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No client holds this variant now.
                </td>
              </tr>
            )}
            {rows.map((row) => (
              <tr key={`${row.client}:${row.key}`} data-client={row.client} data-client-key={row.key}>
                <td className="mono" data-label="Client" title={row.key}>
                  {shortKey(row.key)}
                </td>
                <td data-label="Kind">{CLIENT_KIND_LABELS[row.client]}</td>
                <td className="num" data-label="Holds">
                  {row.holds.toLocaleString("en-US")}
                </td>
                <td className="num" data-label="Units">
                  {row.units.toLocaleString("en-US")}
                </td>
                <td className="small" data-label="Oldest hold" title={row.since}>
                  {row.age}
                </td>
                <td className="actions">
                  <ReleaseClientHoldsButton
                    shopId={shopId}
                    client={row.client}
                    clientKey={row.key}
                    clientName={clientName(row)}
                    canEdit={canEdit}
                    onReleased={({ holdIds, units }: ClientRelease) => {
                      setReleased(
                        holdIds.length === 0
                          ? `Nothing to release: ${clientName(row)} holds nothing now.`
                          : `Released ${holdIds.length.toLocaleString("en-US")} ${holdIds.length === 1 ? "hold" : "holds"} (${units.toLocaleString("en-US")} ${units === 1 ? "unit" : "units"}) of ${clientName(row)}.`,
                      );
                      startTransition(() => router.refresh());
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
