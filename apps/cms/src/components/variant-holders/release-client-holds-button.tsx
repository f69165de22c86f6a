"use client";

import { csrfFetch } from "@/lib/csrf-fetch";
import { ConfirmReleaseButton } from "../confirm-release-button";

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
  return (
    <ConfirmReleaseButton
      label="Release holds"
      question={`Give back every active hold of ${clientName} in ${shopId}, of any variant?`}
      canEdit={canEdit}
      send={() =>
        csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/clients/release`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ client, key: clientKey }),
        })
      }
      onReleased={async (response) => onReleased((await response.json()) as ClientRelease)}
    />
  );
}
