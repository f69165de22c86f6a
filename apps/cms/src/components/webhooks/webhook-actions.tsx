"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { ConfirmReleaseButton } from "../confirm-release-button";
import { describeApiError, readApiError } from "../api-error";
import { SecretOnce } from "./secret-once";
import type { WebhookRow } from "./webhook-types";
import styles from "./webhooks.module.css";

/** Pause or resume, rotate the secret (shown once), delete after a confirmation. */
export function WebhookActions({ webhook, afterDelete }: { webhook: WebhookRow; afterDelete?: string }) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [secret, setSecret] = useState<string>();
  const path = `/api/webhooks/${encodeURIComponent(webhook.id)}`;

  async function patch(body: Record<string, unknown>) {
    setBusy(true);
    setError(undefined);
    const response = await csrfFetch(path, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached; nothing changed.");
    if (!response.ok) return setError(describeApiError(await readApiError(response)));
    const answer = (await response.json()) as { secret?: string };
    if (answer.secret) setSecret(answer.secret);
    startTransition(() => router.refresh());
  }

  return (
    <div>
      <div className={styles.actions}>
        <button
          type="button"
          className="button button-small"
          disabled={busy}
          onClick={() => void patch({ active: !webhook.active })}
        >
          {webhook.active ? "Pause" : "Resume"}
        </button>
        <button
          type="button"
          className="button button-small"
          disabled={busy}
          onClick={() => void patch({ rotateSecret: true })}
        >
          Rotate secret
        </button>
        <ConfirmReleaseButton
          label="Delete"
          question={<>Delete {webhook.name}? It stops receiving events at once; its cursors are gone.</>}
          canEdit
          send={() => csrfFetch(path, { method: "DELETE" })}
          onReleased={() => {
            if (afterDelete) router.push(afterDelete);
            else startTransition(() => router.refresh());
          }}
        />
      </div>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {secret && <SecretOnce intro={`New secret for ${webhook.name}; the old one no longer signs.`} secret={secret} />}
    </div>
  );
}
