"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, placeFieldErrors, readApiError, type ApiError } from "../api-error";
import styles from "./returns.module.css";

export type ReturnPolicyValue = "restock" | "no_restock" | "ask";

const CHOICES: Array<{ value: ReturnPolicyValue; label: string; help: string }> = [
  {
    value: "restock",
    label: "Restock",
    help: "A refund whose units are known (named in the refund, a full refund, or an amount only one set of units makes) puts them back at the locations they were sold from at once. Anything else waits here.",
  },
  {
    value: "no_restock",
    label: "Don't restock",
    help: "Refunds are recorded; no unit goes back to stock.",
  },
  {
    value: "ask",
    label: "Ask me",
    help: "Every refund waits on this page until someone restocks or dismisses it. The default.",
  },
];

/** The shop's return policy as three choices; editors and admins save it with PUT /returns/policy. */
export function ReturnPolicyForm({
  shopId,
  policy,
  isDefault,
  canEdit,
}: {
  shopId: string;
  policy: ReturnPolicyValue;
  isDefault: boolean;
  canEdit: boolean;
}) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [value, setValue] = useState<ReturnPolicyValue>(policy);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string>();
  const [saved, setSaved] = useState<string>();
  const { byField, unplaced } = placeFieldErrors(typeof error === "object" ? error : undefined, ["policy"]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    const response = await csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/returns/policy`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ policy: value }),
    }).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached; nothing was saved.");
    if (!response.ok) return setError(await readApiError(response));
    const { policy: stored } = (await response.json()) as { policy: { policy: ReturnPolicyValue } };
    setSaved(`Saved: ${CHOICES.find((choice) => choice.value === stored.policy)?.label ?? stored.policy}.`);
    startTransition(() => router.refresh());
  }

  return (
    <form
      className={`card ${styles.policy}`}
      onSubmit={(event) => void submit(event)}
      noValidate
      aria-labelledby="return-policy-heading"
    >
      <h2 id="return-policy-heading">Return policy</h2>
      <p className={isDefault ? "notice" : "muted"} data-testid="return-policy-source">
        {isDefault ? "No one has set this shop's policy yet: refunds wait for an operator." : "Set for this shop."} It
        applies from the next refund; returns already recorded keep their status.
      </p>
      {!canEdit && <p className="notice">Only editors and admins can change the return policy; you can read it.</p>}
      <fieldset
        className={styles.policyChoices}
        disabled={!canEdit || busy}
        aria-describedby={byField.has("policy") ? "policy-error" : undefined}
      >
        <legend className="sr-only">What a refund does to stock</legend>
        {CHOICES.map((choice) => (
          <label key={choice.value} className={styles.choice}>
            <input
              type="radio"
              name="policy"
              value={choice.value}
              checked={value === choice.value}
              onChange={() => setValue(choice.value)}
            />
            <span>
              <strong>{choice.label}</strong>
              <p className="muted">{choice.help}</p>
            </span>
          </label>
        ))}
        {byField.has("policy") && (
          <p id="policy-error" className={styles.fieldError} role="alert">
            {byField.get("policy")}
          </p>
        )}
      </fieldset>
      {typeof error === "string" && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {typeof error === "object" && unplaced && (
        <p className="error-box" role="alert">
          Nothing was saved. {describeApiError(error)}
        </p>
      )}
      {saved && (
        <p className="success-box" role="status">
          {saved}
        </p>
      )}
      {canEdit && (
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={busy || (value === policy && !isDefault)}>
            {busy ? "Saving…" : "Save policy"}
          </button>
        </div>
      )}
    </form>
  );
}
