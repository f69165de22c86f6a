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
  if (integrations.length === 0) return <p className="empty">No integration yet.</p>;
  return (
    <div className="table-scroll">
      <table className="table integrations-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Shops</th>
            <th>Token</th>
            <th>Created</th>
            <th>Last used</th>
            <th>Status</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {integrations.map((integration) => (
            <tr
              key={integration.id}
              data-integration={integration.id}
              className={integration.active ? undefined : styles.revoked}
            >
              <td>{integration.name}</td>
              <td>{integration.shops.join(", ")}</td>
              <td>
                <code>{integration.tokenPrefix}…</code>
              </td>
              <td>
                {formatTime(integration.createdAt)}
                <br />
                <span className="small">by {integration.createdBy}</span>
              </td>
              <td>{integration.lastUsedAt ? formatTime(integration.lastUsedAt) : "never"}</td>
              <td>
                {integration.active ? (
                  <span className="badge badge-ok">active</span>
                ) : (
                  <span className="badge badge-out" title={`Revoked ${formatTime(integration.revokedAt)}`}>
                    revoked
                  </span>
                )}
              </td>
              <td>
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
