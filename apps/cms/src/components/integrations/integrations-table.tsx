"use client";

import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { formatTime } from "@/app/cms/_lib/format";
import { csrfFetch } from "@/lib/csrf-fetch";
import { ConfirmReleaseButton } from "../confirm-release-button";
import type { IntegrationRow } from "./integration-types";
import styles from "./integrations.module.css";

/** Every integration, newest first; an active one can be revoked after a confirmation. */
export function IntegrationsTable({ integrations }: { integrations: IntegrationRow[] }) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  if (integrations.length === 0)
    return <p className="empty">No integration yet: create one above to give an ERP or WMS its token.</p>;
  return (
    <div className="table-scroll">
      <table className="table integrations-table phone-cards">
        <thead>
          <tr>
            <th>Name</th>
            <th>Shops</th>
            <th>Token</th>
            <th>Created</th>
            <th>Last used</th>
            <th>Status</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {integrations.map((integration) => (
            <tr
              key={integration.id}
              data-integration={integration.id}
              className={integration.active ? undefined : styles.revoked}
            >
              <td className="product-cell">{integration.name}</td>
              <td data-label="Shops">{integration.shops.join(", ")}</td>
              <td data-label="Token" title="The token's first characters, to tell tokens apart">
                <code>{integration.tokenPrefix}…</code>
              </td>
              <td data-label="Created">
                <span>
                  {formatTime(integration.createdAt)}
                  <br />
                  <span className="small">by {integration.createdBy}</span>
                </span>
              </td>
              <td data-label="Last used">{integration.lastUsedAt ? formatTime(integration.lastUsedAt) : "never"}</td>
              <td data-label="Status">
                {integration.active ? (
                  <span className="badge badge-ok">active</span>
                ) : (
                  <span>
                    <span className="badge badge-out">revoked</span>{" "}
                    <span className="small">{formatTime(integration.revokedAt)}</span>
                  </span>
                )}
              </td>
              <td className="actions">
                {integration.active && (
                  <ConfirmReleaseButton
                    label="Revoke"
                    question={<>Revoke {integration.name}? Its token stops working at once.</>}
                    canEdit
                    send={() =>
                      csrfFetch(`/api/integrations/${encodeURIComponent(integration.id)}/revoke`, { method: "POST" })
                    }
                    onReleased={() => startTransition(() => router.refresh())}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
