"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, readApiError, type ApiError } from "../api-error";
import styles from "./hold-policy-form.module.css";

export type HoldPolicyField = "maxActiveHoldsPerClient" | "maxHeldUnitsPerClient" | "unopenedHoldSeconds";
export type HoldPolicyValues = Record<HoldPolicyField, number>;
/** What the library accepts for each field (from its schema, so the page never states other bounds). */
export type HoldPolicyRanges = Record<HoldPolicyField, { min: number; max: number }>;

const FIELDS: Array<{ field: HoldPolicyField; label: string; unit: string; help: string }> = [
  {
    field: "maxActiveHoldsPerClient",
    label: "Active holds per client",
    unit: "holds",
    help: "How many checkouts one client may have holding stock at the same time. A real buyer has one or two; a bot that opens cart after cart to hold a sale's stock reaches this cap and is told to try again later.",
  },
  {
    field: "maxHeldUnitsPerClient",
    label: "Held units per client",
    unit: "units",
    help: "How many units one client may hold at once, all of its active holds and variants added together.",
  },
  {
    field: "unopenedHoldSeconds",
    label: "Unopened-hold time",
    unit: "seconds",
    help: "How long a checkout's hold lasts before the buyer reaches Stripe's payment page. Once the page is opened the hold runs its full term; a checkout whose page is never opened (a bot's, or a tab left alone) gives its units back after this time.",
  },
];

function describeValue(field: HoldPolicyField, value: number): string {
  const text = value.toLocaleString("en-US");
  if (field !== "unopenedHoldSeconds") return text;
  return value % 60 === 0 ? `${text} s (${value / 60} min)` : `${text} s`;
}

/**
 * The text of a number input as JSON: a number when it reads as one, else the text itself (the server names what is
 * wrong).
 */
function toJsonValue(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const number = Number(trimmed);
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed) && Number.isFinite(number) ? number : trimmed;
}

/**
 * The shop's hold policy as a form: every value with what it means, its
 * allowed range and its default. Admins save it with PUT /hold-policy; the
 * server's answer (field errors included) is the only validation.
 */
export function HoldPolicyForm({
  shopId,
  policy,
  isDefault,
  defaults,
  ranges,
  canEdit,
}: {
  shopId: string;
  policy: HoldPolicyValues;
  isDefault: boolean;
  defaults: HoldPolicyValues;
  ranges: HoldPolicyRanges;
  canEdit: boolean;
}) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [values, setValues] = useState<Record<HoldPolicyField, string>>(() => ({
    maxActiveHoldsPerClient: String(policy.maxActiveHoldsPerClient),
    maxHeldUnitsPerClient: String(policy.maxHeldUnitsPerClient),
    unopenedHoldSeconds: String(policy.unopenedHoldSeconds),
  }));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string>();
  const [saved, setSaved] = useState<string>();
  // Field errors go under their inputs; anything else (the body as a whole, 403, 413) above the button.
  const fieldErrors = new Map<string, string>();
  let unplaced = typeof error === "object" && (error.errors ?? []).length === 0;
  if (typeof error === "object") {
    for (const e of error.errors ?? []) {
      const field = e.field.replace(/^policy\./, "");
      if (FIELDS.some((f) => f.field === field))
        fieldErrors.set(field, [fieldErrors.get(field), e.message].filter(Boolean).join("; "));
      else unplaced = true;
    }
  }
  const summary =
    error === undefined
      ? undefined
      : typeof error === "string"
        ? error
        : unplaced
          ? `Nothing was saved. ${describeApiError(error)}`
          : `Nothing was saved: ${FIELDS.filter(({ field }) => fieldErrors.has(field))
              .map(({ label }) => label.toLowerCase())
              .join(", ")} ${fieldErrors.size === 1 ? "needs" : "need"} another value.`;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    const body = Object.fromEntries(FIELDS.map(({ field }) => [field, toJsonValue(values[field])]));
    const response = await csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/hold-policy`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached; nothing was saved.");
    if (!response.ok) return setError(await readApiError(response));
    const { policy: stored } = (await response.json()) as { policy: HoldPolicyValues };
    setValues({
      maxActiveHoldsPerClient: String(stored.maxActiveHoldsPerClient),
      maxHeldUnitsPerClient: String(stored.maxHeldUnitsPerClient),
      unopenedHoldSeconds: String(stored.unopenedHoldSeconds),
    });
    setSaved(
      `Saved: ${describeValue("maxActiveHoldsPerClient", stored.maxActiveHoldsPerClient)} holds and ${describeValue("maxHeldUnitsPerClient", stored.maxHeldUnitsPerClient)} units per client, unopened holds last ${describeValue("unopenedHoldSeconds", stored.unopenedHoldSeconds)}.`,
    );
    // The page's "defaults" notice comes from the server.
    startTransition(() => router.refresh());
  }

  return (
    <form
      className={`card ${styles.form}`}
      onSubmit={(event) => void submit(event)}
      noValidate
      aria-labelledby="hold-policy-heading"
    >
      <h2 id="hold-policy-heading">Hold policy</h2>
      <p className={isDefault ? "notice" : "muted"} data-testid="policy-source">
        {isDefault ? "This shop uses the defaults: no one has set its policy yet." : "Set for this shop."} Changes apply
        to the next hold a buyer asks for; holds already made keep their expiry.
      </p>
      <p className={styles.intro}>
        The two caps count each client twice, separately: by its network address (hashed; an IPv6 address by its /64)
        and by the shop&apos;s signed buyer cookie (hashed). A checkout is refused when either is at its cap, so a bot
        that drops its cookie is still capped by its address. Buyers behind one shared address (an office, a mobile
        network) share that address&apos;s cap.
      </p>
      {!canEdit && <p className="notice">Only admins can change the hold policy; you can read it.</p>}
      {FIELDS.map(({ field, label, unit, help }) => {
        const id = `policy-${field}`;
        const problem = fieldErrors.get(field);
        const range = ranges[field];
        return (
          <div key={field} className={styles.field} data-field={field}>
            <label htmlFor={id} className={styles.label}>
              {label}
            </label>
            <div className={styles.inputRow}>
              <input
                id={id}
                name={field}
                inputMode="numeric"
                autoComplete="off"
                className={problem ? `${styles.input} invalid` : styles.input}
                value={values[field]}
                disabled={!canEdit || busy}
                aria-invalid={problem ? true : undefined}
                aria-describedby={`${id}-help${problem ? ` ${id}-error` : ""}`}
                onChange={(event) => setValues((current) => ({ ...current, [field]: event.target.value }))}
              />
              <span className="muted">{unit}</span>
            </div>
            {problem && (
              <p id={`${id}-error`} className={`error-text ${styles.fieldError}`} role="alert">
                {label}: {problem}
              </p>
            )}
            <p id={`${id}-help`} className={styles.help}>
              {help}{" "}
              <span className={styles.bounds}>
                {range.min.toLocaleString("en-US")}–{range.max.toLocaleString("en-US")} {unit}; default{" "}
                {describeValue(field, defaults[field])}
                {isDefault ? " (in use)" : ""}.
              </span>
            </p>
          </div>
        );
      })}
      {summary && (
        <p className="error-box" role="alert">
          {summary}
        </p>
      )}
      {saved && <p className="success-box">{saved}</p>}
      {canEdit && (
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? "Saving…" : "Save hold policy"}
          </button>
        </div>
      )}
    </form>
  );
}
