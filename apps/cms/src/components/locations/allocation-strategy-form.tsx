"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { ALLOCATION_STRATEGIES, type AllocationStrategy } from "@acme/platform-core/universal";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, readApiError, type ApiError } from "../api-error";
import { STRATEGY_TEXT } from "./location-types";
import styles from "./locations.module.css";

/** How checkouts choose the locations a cart's units come from; editors change it. */
export function AllocationStrategyForm({
  shopId,
  strategy,
  canEdit,
}: {
  shopId: string;
  strategy: AllocationStrategy;
  canEdit: boolean;
}) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [chosen, setChosen] = useState(strategy);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string>();
  const [saved, setSaved] = useState<string>();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    const response = await csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/locations/strategy`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ strategy: chosen }),
    }).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached; nothing was saved.");
    if (!response.ok) return setError(await readApiError(response));
    const { strategy: stored } = (await response.json()) as { strategy: AllocationStrategy };
    setChosen(stored);
    setSaved(`Saved: ${STRATEGY_TEXT[stored].label.toLowerCase()}. The next checkout allocates this way.`);
    startTransition(() => router.refresh());
  }

  return (
    <form className={`card ${styles.form}`} onSubmit={(event) => void submit(event)} aria-labelledby="strategy-heading">
      <h2 id="strategy-heading">Where a checkout&apos;s units come from</h2>
      <p className="muted">
        A hold takes units only from active locations that sell online; holds already made keep their locations.
      </p>
      <fieldset className={styles.choices} disabled={!canEdit || busy}>
        <legend className="sr-only">Allocation strategy</legend>
        {ALLOCATION_STRATEGIES.map((value) => (
          <label key={value} className={styles.choice}>
            <input
              type="radio"
              name="strategy"
              value={value}
              checked={chosen === value}
              onChange={() => setChosen(value)}
            />
            <span>
              <strong>{STRATEGY_TEXT[value].label}</strong>
              <span className="muted">{STRATEGY_TEXT[value].help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {error && (
        <p className="error-box" role="alert">
          Nothing was saved. {typeof error === "string" ? error : describeApiError(error)}
        </p>
      )}
      {saved && (
        <p className="success-box" role="status">
          {saved}
        </p>
      )}
      {canEdit && (
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={busy || chosen === strategy}>
            {busy ? "Saving…" : "Save strategy"}
          </button>
        </div>
      )}
    </form>
  );
}
