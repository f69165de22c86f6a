"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, readApiError } from "./api-error";

/** Releases an active hold after confirmation; the list then reloads from the server. */
export function ReleaseHoldButton({ shopId, holdId, canEdit }: { shopId: string; holdId: string; canEdit: boolean }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [, startTransition] = useTransition();

  if (!canEdit) {
    return (
      <button type="button" className="button button-small" disabled title="Viewers cannot release holds">
        Release
      </button>
    );
  }
  if (!confirming) {
    return (
      <button type="button" className="button button-small" onClick={() => setConfirming(true)}>
        Release
      </button>
    );
  }
  return (
    <span className="confirm">
      <span className="small">Give these units back?</span>
      <button
        type="button"
        className="button button-small button-danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          const response = await csrfFetch(
            `/api/shops/${encodeURIComponent(shopId)}/holds/${encodeURIComponent(holdId)}/release`,
            { method: "POST" },
          ).catch(() => undefined);
          setBusy(false);
          if (!response) return setError("The server could not be reached.");
          if (!response.ok) return setError(describeApiError(await readApiError(response)));
          setConfirming(false);
          startTransition(() => router.refresh());
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
