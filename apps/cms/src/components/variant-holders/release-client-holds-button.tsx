"use client";

import { useState } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, readApiError } from "../api-error";

export type HolderClient = "address" | "buyer";
export interface ClientRelease {
  holdIds: string[];
  units: number;
}

/**
 * Releases every active hold of one client in the shop after confirmation
 * (POST /clients/release); the caller shows the result and reloads the list.
 */
export function ReleaseClientHoldsButton({
  shopId,
  client,
  clientKey,
  clientName,
  canEdit,
  onReleased,
}: {
  shopId: string;
  client: HolderClient;
  clientKey: string;
  /** How the row names the client ("network address 1a2b3c4d"), for the question. */
  clientName: string;
  canEdit: boolean;
  onReleased: (result: ClientRelease) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  if (!canEdit) {
    return (
      <button type="button" className="button button-small" disabled title="Viewers cannot release holds">
        Release holds
      </button>
    );
  }
  if (!confirming) {
    return (
      <button type="button" className="button button-small" onClick={() => setConfirming(true)}>
        Release holds
      </button>
    );
  }
  return (
    <span className="confirm">
      <span className="small">Give back every active hold of {clientName} in {shopId}, of any variant?</span>
      <button
        type="button"
        className="button button-small button-danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          const response = await csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/clients/release`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ client, key: clientKey }),
          }).catch(() => undefined);
          setBusy(false);
          if (!response) return setError("The server could not be reached.");
          if (!response.ok) return setError(describeApiError(await readApiError(response)));
          setConfirming(false);
          onReleased((await response.json()) as ClientRelease);
        }}
      >
        {busy ? "Releasing…" : "Yes, release"}
      </button>
      <button type="button" className="button button-small" disabled={busy} onClick={() => setConfirming(false)}>
        Cancel
      </button>
      {error && <span className="error-text">{error}</span>}
    </span>
  );
}
