"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { formatNumber } from "@/app/cms/_lib/format";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, placeFieldErrors, readApiError, type ApiError } from "../api-error";
import styles from "./webhooks.module.css";

/** Delivers a shop's events again from a sequence number (1 to the shop's last + 1). */
export function ReplayForm({
  webhookId,
  shops,
}: {
  webhookId: string;
  shops: Array<{ shopId: string; lastSeq: number }>;
}) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [shopId, setShopId] = useState(shops[0]?.shopId ?? "");
  const [fromSeq, setFromSeq] = useState("1");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string>();
  const [done, setDone] = useState<string>();
  const placed = placeFieldErrors(typeof error === "object" ? error : undefined, ["shopId", "fromSeq"]);
  const seqError = placed.byField.get("fromSeq");
  const lastSeq = shops.find((shop) => shop.shopId === shopId)?.lastSeq;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    const response = await csrfFetch(`/api/webhooks/${encodeURIComponent(webhookId)}/replay`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ shopId, fromSeq: fromSeq.trim() === "" ? null : Number(fromSeq) }),
    }).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached; nothing changed.");
    if (!response.ok) return setError(await readApiError(response));
    const answer = (await response.json()) as { deliveredSeq: number; lastSeq: number };
    setDone(
      answer.deliveredSeq >= answer.lastSeq
        ? `${shopId}: nothing to send again yet; events from ${formatNumber(answer.deliveredSeq + 1)} on will be delivered as they happen.`
        : `${shopId}: events ${formatNumber(answer.deliveredSeq + 1)} to ${formatNumber(answer.lastSeq)} will be delivered again.`,
    );
    startTransition(() => router.refresh());
  }

  const summary =
    error === undefined
      ? undefined
      : typeof error === "string"
        ? error
        : placed.unplaced
          ? `Nothing changed. ${describeApiError(error)}`
          : "Nothing changed: check the field marked.";
  return (
    <form className={`card ${styles.form}`} onSubmit={(event) => void submit(event)} noValidate>
      <h2>Replay from a sequence number</h2>
      <div className={styles.field}>
        <label htmlFor="replay-shop">Shop</label>
        <select id="replay-shop" value={shopId} disabled={busy} onChange={(event) => setShopId(event.target.value)}>
          {shops.map((shop) => (
            <option key={shop.shopId} value={shop.shopId}>
              {shop.shopId}
            </option>
          ))}
        </select>
      </div>
      <div className={styles.field}>
        <label htmlFor="replay-from">From sequence number</label>
        <input
          id="replay-from"
          inputMode="numeric"
          value={fromSeq}
          disabled={busy}
          aria-invalid={seqError ? true : undefined}
          aria-describedby={seqError ? "replay-from-error replay-from-hint" : "replay-from-hint"}
          className={seqError ? "invalid" : undefined}
          onChange={(event) => setFromSeq(event.target.value)}
        />
        <p id="replay-from-hint" className={styles.hint}>
          {lastSeq === undefined
            ? "The first event to send again."
            : `1 to ${formatNumber(lastSeq + 1)}: the first event to send again (${shopId}'s last is ${formatNumber(lastSeq)}). Events before it stay delivered.`}
        </p>
        {seqError && (
          <p id="replay-from-error" className={styles.fieldError} role="alert">
            From sequence number: {seqError}
          </p>
        )}
      </div>
      {summary && (
        <p className="error-box" role="alert">
          {summary}
        </p>
      )}
      {done && (
        <p className="success-box" role="status">
          {done}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy || shops.length === 0}>
          {busy ? "Replaying…" : "Replay events"}
        </button>
      </div>
    </form>
  );
}
