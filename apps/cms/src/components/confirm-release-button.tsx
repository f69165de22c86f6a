"use client";

import { useState, type ReactNode } from "react";
import { describeApiError, readApiError } from "./api-error";

/**
 * A release that asks first: the button, then the question with "Yes,
 * release" and "Cancel"; the request's error (or an unreachable server) is
 * shown beside it. Viewers see the button disabled.
 */
export function ConfirmReleaseButton({
  label,
  question,
  canEdit,
  send,
  onReleased,
}: {
  label: string;
  question: ReactNode;
  canEdit: boolean;
  /** The release request (a `csrfFetch`). */
  send: () => Promise<Response>;
  /** Called with the successful response. */
  onReleased: (response: Response) => void | Promise<void>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function release() {
    setBusy(true);
    setError(undefined);
    const response = await send().catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached.");
    if (!response.ok) return setError(describeApiError(await readApiError(response)));
    setConfirming(false);
    await onReleased(response);
  }

  if (!canEdit || !confirming) {
    return (
      <button
        type="button"
        className="button button-small"
        disabled={!canEdit}
        {...(canEdit ? { onClick: () => setConfirming(true) } : { title: "Viewers cannot release holds" })}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <span className="small">{question}</span>
      <button
        type="button"
        className="button button-small button-danger"
        disabled={busy}
        onClick={() => void release()}
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
