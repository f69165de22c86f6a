"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, placeFieldErrors, readApiError, type ApiError } from "../api-error";
import styles from "./returns.module.css";

export interface ReturnLineView {
  /** The variant as operators know it ("Linen tee — Coral / S"). */
  title: string;
  sku: string;
  variantKey: string;
  location: string;
  quantity: number;
}

export interface PendingReturnView {
  refundId: string;
  sessionId: string;
  /** The checkout's page at Stripe (or the emulator). */
  sessionUrl: string;
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

/** Why a return waits, by how its units were (or were not) found; the known ones wait because the policy asks. */
const MAPPING: Record<PendingReturnView["mapping"], string> = {
  metadata: "The refund names these units; the shop's policy asks before restocking.",
  full: "A full refund (every unit not refunded before); the shop's policy asks before restocking.",
  amount: "Only these units' prices make the refunded amount; the shop's policy asks before restocking.",
  unmatched: "No set of units makes the refunded amount: choose what came back.",
  ambiguous: "More than one set of units makes the refunded amount: choose what came back.",
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

  const price = (line: ReturnLineView) =>
    entry.sold.find((sold) => sold.sku === line.sku && sold.variantKey === line.variantKey)?.unitAmount ?? null;
  const errorId = (index: number) => `${entry.refundId}-${index}-error`;
  return (
    <section
      className={`card ${styles.pending}`}
      aria-labelledby={`return-${entry.refundId}`}
      data-testid="pending-return"
      data-refund={entry.refundId}
    >
      <h3 id={`return-${entry.refundId}`} className={styles.pendingTitle}>
        {entry.amount} refunded{entry.paidTotal ? ` of ${entry.paidTotal} paid` : ""}
      </h3>
      <dl className={styles.facts}>
        <dt>Why it waits</dt>
        <dd>
          {MAPPING[entry.mapping]}
          {entry.note && <span className="small muted"> ({entry.note})</span>}
        </dd>
        <dt>Sold</dt>
        <dd>
          {entry.sold.length === 0
            ? "—"
            : entry.sold
                .map(
                  (line) =>
                    `${line.quantity} × ${line.title} at ${line.location}${line.unitAmount ? `, ${line.unitAmount} each` : ""}`,
                )
                .join("; ")}
        </dd>
        <dt>Refund</dt>
        <dd className="mono small">{entry.refundId}</dd>
        <dt>Checkout</dt>
        <dd>
          <a href={entry.sessionUrl} target="_blank" rel="noreferrer" title={entry.sessionId}>
            Stripe session ↗
          </a>
          {entry.paymentIntentId && <span className="mono small muted"> {entry.paymentIntentId}</span>}
        </dd>
        <dt>Received</dt>
        <dd>{entry.createdAt}</dd>
      </dl>
      <div className="table-scroll">
        <table className="table phone-cards">
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Location</th>
              <th scope="col" className="num">
                Unit price
              </th>
              <th scope="col" className="num">
                {known ? "Returned" : "May return"}
              </th>
              <th scope="col">Put back</th>
            </tr>
          </thead>
          <tbody>
            {entry.lines.map((line, index) => {
              const message = byField.get(`lines.${index}.quantity`);
              return (
                <tr
                  key={`${line.sku}\u001f${line.variantKey}\u001f${line.location}`}
                  data-sku={line.sku}
                  data-variant-key={line.variantKey}
                  data-location={line.location}
                >
                  <td className="product-cell">
                    <span className="item-name">
                      <span className="product-title">{line.title}</span> <span className="mono sku">{line.sku}</span>
                    </span>
                  </td>
                  <td data-label="Location">{line.location}</td>
                  <td className="num" data-label="Unit price">
                    {price(line) ?? "not known"}
                  </td>
                  <td className="num" data-label={known ? "Returned" : "May return"}>
                    {line.quantity}
                  </td>
                  <td data-label="Put back">
                    <span className={styles.putBack}>
                      <input
                        className={message ? `${styles.quantity} invalid` : styles.quantity}
                        inputMode="numeric"
                        aria-label={`Units of ${line.title} to put back at ${line.location}`}
                        aria-invalid={message ? true : undefined}
                        aria-describedby={message ? errorId(index) : undefined}
                        value={quantities[index]}
                        disabled={!canEdit || busy}
                        onChange={(event) =>
                          setQuantities((current) =>
                            current.map((value, i) => (i === index ? event.target.value : value)),
                          )
                        }
                      />
                      {message && (
                        <span id={errorId(index)} className={styles.fieldError} role="alert">
                          {message}
                        </span>
                      )}
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {byField.has("lines") && (
        <p className={styles.fieldError} role="alert">
          {byField.get("lines")}
        </p>
      )}
      {canEdit ? (
        <div className={styles.actions}>
          <label className={styles.noteField}>
            <span>Note (optional)</span>
            <input
              className={byField.has("note") ? `${styles.note} invalid` : styles.note}
              value={note}
              maxLength={500}
              disabled={busy}
              aria-invalid={byField.has("note") ? true : undefined}
              onChange={(event) => setNote(event.target.value)}
            />
            {byField.has("note") && <span className={styles.fieldError}>{byField.get("note")}</span>}
          </label>
          <div className="button-row">
            <button
              type="button"
              className="button button-primary"
              disabled={busy}
              onClick={() => void decide("restock")}
            >
              {busy ? "Saving…" : "Restock"}
            </button>
            <button type="button" className="button" disabled={busy} onClick={() => void decide("dismiss")}>
              Dismiss: put nothing back
            </button>
          </div>
        </div>
      ) : (
        <p className="notice">Only editors and admins can decide returns.</p>
      )}
      {typeof error === "string" && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {typeof error === "object" && (
        <p className="error-box" role="alert">
          {unplaced ? `Nothing changed. ${describeApiError(error)}` : "Nothing changed: check the line marked."}
        </p>
      )}
      {done && (
        <p className="success-box" role="status">
          {done}
        </p>
      )}
    </section>
  );
}
