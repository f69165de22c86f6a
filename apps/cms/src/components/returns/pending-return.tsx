"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, placeFieldErrors, readApiError, type ApiError } from "../api-error";
import styles from "./returns.module.css";

export interface ReturnLineView {
  sku: string;
  variantKey: string;
  location: string;
  quantity: number;
}

export interface PendingReturnView {
  refundId: string;
  sessionId: string;
  paymentIntentId: string | null;
  amount: string;
  paidTotal: string | null;
  mapping: "metadata" | "full" | "amount" | "unmatched" | "ambiguous";
  note: string | null;
  createdAt: string;
  lines: ReturnLineView[];
  /** The checkout's lines as sold, with their unit prices. */
  sold: Array<ReturnLineView & { unitAmount: string | null }>;
}

const MAPPING: Record<PendingReturnView["mapping"], string> = {
  metadata: "the refund names these units",
  full: "a full refund: every unit not refunded before",
  amount: "the only units whose prices make the refunded amount",
  unmatched: "no set of units makes the refunded amount: choose what came back",
  ambiguous: "the refunded amount does not say which units: choose what came back",
};

/**
 * One refund waiting for an operator: the refund, its checkout and what it returns. Restock puts back the units
 * chosen per line (each at most what the line shows); Dismiss puts back nothing. Field errors show under their line.
 */
export function PendingReturn({
  shopId,
  entry,
  canEdit,
}: {
  shopId: string;
  entry: PendingReturnView;
  canEdit: boolean;
}) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const known = entry.mapping === "metadata" || entry.mapping === "full" || entry.mapping === "amount";
  const [quantities, setQuantities] = useState<string[]>(() =>
    entry.lines.map((line) => String(known ? line.quantity : 0)),
  );
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string>();
  const [done, setDone] = useState<string>();
  const lineFields = entry.lines.map((_, index) => `lines.${index}.quantity`);
  const { byField, unplaced } = placeFieldErrors(typeof error === "object" ? error : undefined, [
    ...lineFields,
    "lines",
    "note",
  ]);

  async function decide(decision: "restock" | "dismiss") {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    const body =
      decision === "restock"
        ? {
            decision,
            lines: entry.lines.map((line, index) => ({
              sku: line.sku,
              variantKey: line.variantKey,
              location: line.location,
              quantity: /^\d+$/.test(quantities[index]!.trim()) ? Number(quantities[index]) : quantities[index],
            })),
            ...(note.trim() ? { note } : {}),
          }
        : { decision, ...(note.trim() ? { note } : {}) };
    const response = await csrfFetch(
      `/api/shops/${encodeURIComponent(shopId)}/returns/${encodeURIComponent(entry.refundId)}`,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    ).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached; nothing changed.");
    if (!response.ok) return setError(await readApiError(response));
    setDone(decision === "restock" ? "Restocked." : "Dismissed: nothing went back to stock.");
    startTransition(() => router.refresh());
  }

  return (
    <section
      className={`card ${styles.pending}`}
      aria-labelledby={`return-${entry.refundId}`}
      data-testid="pending-return"
    >
      <h3 id={`return-${entry.refundId}`}>Refund {entry.refundId}</h3>
      <dl className={styles.facts}>
        <dt>Refunded</dt>
        <dd>
          {entry.amount}
          {entry.paidTotal ? ` of ${entry.paidTotal} paid` : ""}
        </dd>
        <dt>Checkout</dt>
        <dd>{entry.sessionId}</dd>
        <dt>Payment</dt>
        <dd>{entry.paymentIntentId ?? "—"}</dd>
        <dt>Received</dt>
        <dd>{entry.createdAt}</dd>
        <dt>Units</dt>
        <dd>{MAPPING[entry.mapping]}</dd>
        {entry.note && (
          <>
            <dt>Why it waits</dt>
            <dd>{entry.note}</dd>
          </>
        )}
        <dt>Sold</dt>
        <dd>
          {entry.sold
            .map(
              (line) =>
                `${line.quantity} × ${line.sku}${line.variantKey ? ` (${line.variantKey})` : ""} at ${line.location}${line.unitAmount ? `, ${line.unitAmount} each` : ""}`,
            )
            .join("; ")}
        </dd>
      </dl>
      <table>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Variant</th>
            <th scope="col">Location</th>
            <th scope="col">{known ? "Returned" : "May return"}</th>
            <th scope="col">Put back</th>
          </tr>
        </thead>
        <tbody>
          {entry.lines.map((line, index) => {
            const field = `lines.${index}.quantity`;
            const message = byField.get(field);
            return (
              <tr key={`${line.sku}\u001f${line.variantKey}\u001f${line.location}`}>
                <td>{line.sku}</td>
                <td>{line.variantKey || "—"}</td>
                <td>{line.location}</td>
                <td>{line.quantity}</td>
                <td>
                  <input
                    className={styles.quantity}
                    inputMode="numeric"
                    aria-label={`Units of ${line.sku} to put back at ${line.location}`}
                    aria-invalid={message ? true : undefined}
                    aria-describedby={message ? `${entry.refundId}-${index}-error` : undefined}
                    value={quantities[index]}
                    disabled={!canEdit || busy}
                    onChange={(event) =>
                      setQuantities((current) => current.map((value, i) => (i === index ? event.target.value : value)))
                    }
                  />
                  {message && (
                    <p id={`${entry.refundId}-${index}-error`} className={styles.fieldError} role="alert">
                      {message}
                    </p>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {byField.has("lines") && (
        <p className={styles.fieldError} role="alert">
          {byField.get("lines")}
        </p>
      )}
      {canEdit ? (
        <div className={styles.actions}>
          <label>
            Note{" "}
            <input
              className={styles.note}
              value={note}
              maxLength={500}
              disabled={busy}
              aria-invalid={byField.has("note") ? true : undefined}
              onChange={(event) => setNote(event.target.value)}
            />
          </label>
          <button type="button" disabled={busy} onClick={() => void decide("restock")}>
            Restock
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void decide("dismiss")}>
            Dismiss
          </button>
          {byField.has("note") && <p className={styles.fieldError}>{byField.get("note")}</p>}
        </div>
      ) : (
        <p className="notice">Only editors and admins can decide returns.</p>
      )}
      {typeof error === "string" && <p className="error">{error}</p>}
      {typeof error === "object" && unplaced && <p className="error">Nothing changed. {describeApiError(error)}</p>}
      {done && (
        <p className="success" role="status">
          {done}
        </p>
      )}
    </section>
  );
}
