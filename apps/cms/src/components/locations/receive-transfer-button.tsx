"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, readApiError } from "../api-error";

/** Receives a transfer in transit: its units join the destination's stock; the list then reloads from the server. */
export function ReceiveTransferButton({
  shopId,
  transferId,
  canEdit,
}: {
  shopId: string;
  transferId: string;
  canEdit: boolean;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function receive() {
    setBusy(true);
    setError(undefined);
    const response = await csrfFetch(
      `/api/shops/${encodeURIComponent(shopId)}/locations/transfers/${encodeURIComponent(transferId)}/receive`,
      { method: "POST" },
    ).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached; try again (receiving twice is safe).");
    if (!response.ok) return setError(describeApiError(await readApiError(response)));
    startTransition(() => router.refresh());
  }

  return (
    <span className="confirm">
      <button
        type="button"
        className="button button-small button-primary"
        disabled={!canEdit || busy || pending}
        title={canEdit ? undefined : "Viewers cannot receive transfers"}
        onClick={() => void receive()}
      >
        {busy || pending ? "Receiving…" : "Receive"}
      </button>
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
