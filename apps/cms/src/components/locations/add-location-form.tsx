"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { LOCATION_KINDS, type LocationKind } from "@acme/platform-core/universal";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, placeFieldErrors, readApiError, type ApiError } from "../api-error";
import { Field } from "./field";
import { KIND_LABELS, locationLabel } from "./location-types";
import styles from "./locations.module.css";

const FIELDS = ["code", "name", "kind", "priority", "active", "fulfilsOnline"] as const;
const EMPTY = { code: "", name: "", kind: "store" as LocationKind, priority: "100", active: true, fulfilsOnline: true };

/**
 * Adds a location to the shop. The server's answer is the only validation: each field's problem is shown under that
 * field, anything else (a backend that keeps one location, 403) above the button.
 */
export function AddLocationForm({ shopId }: { shopId: string }) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [values, setValues] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string>();
  const [added, setAdded] = useState<string>();
  const placed = placeFieldErrors(typeof error === "object" ? error : undefined, FIELDS);
  const summary =
    error === undefined
      ? undefined
      : typeof error === "string"
        ? error
        : placed.unplaced
          ? `Nothing was added. ${describeApiError(error)}`
          : "Nothing was added: check the fields marked.";

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setAdded(undefined);
    const priority = values.priority.trim();
    const response = await csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/locations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        code: values.code.trim(),
        name: values.name,
        kind: values.kind,
        priority: /^-?\d+$/.test(priority) ? Number(priority) : priority,
        active: values.active,
        fulfilsOnline: values.fulfilsOnline,
      }),
    }).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached; nothing was added.");
    if (!response.ok) return setError(await readApiError(response));
    const { location } = (await response.json()) as {
      location: { code: string; name: string; active: boolean; fulfilsOnline: boolean };
    };
    setValues(EMPTY);
    setAdded(
      `Added ${locationLabel(location)}. ${
        location.active && location.fulfilsOnline
          ? "Its units count towards what buyers can buy."
          : "Its units do not count towards what buyers can buy."
      } Transfer stock to it, or set quantities there in the stock grid.`,
    );
    startTransition(() => router.refresh());
  }

  return (
    <form
      className={`card ${styles.form}`}
      onSubmit={(event) => void submit(event)}
      noValidate
      aria-labelledby="add-location-heading"
    >
      <h2 id="add-location-heading">Add a location</h2>
      <div className={styles.fields}>
        <Field
          id="location-code"
          label="Code"
          error={placed.byField.get("code")}
          className={styles.code}
          help="Names it in files, the grid and the ledger; never changes. Lower-case letters, digits, - and _."
        >
          <input
            id="location-code"
            name="code"
            autoComplete="off"
            spellCheck={false}
            maxLength={32}
            value={values.code}
            disabled={busy}
            onChange={(event) => setValues({ ...values, code: event.target.value })}
          />
        </Field>
        <Field id="location-name" label="Name" error={placed.byField.get("name")} grow>
          <input
            id="location-name"
            name="name"
            autoComplete="off"
            maxLength={80}
            value={values.name}
            disabled={busy}
            onChange={(event) => setValues({ ...values, name: event.target.value })}
          />
        </Field>
        <Field id="location-kind" label="Kind" error={placed.byField.get("kind")}>
          <select
            id="location-kind"
            name="kind"
            value={values.kind}
            disabled={busy}
            onChange={(event) => setValues({ ...values, kind: event.target.value as LocationKind })}
          >
            {LOCATION_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {KIND_LABELS[kind]}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="location-priority"
          label="Priority"
          error={placed.byField.get("priority")}
          help="Lower first: checkouts prefer it (main is 100)."
          narrow
        >
          <input
            id="location-priority"
            name="priority"
            inputMode="numeric"
            value={values.priority}
            disabled={busy}
            onChange={(event) => setValues({ ...values, priority: event.target.value })}
          />
        </Field>
        <div className={styles.field}>
          <label className={styles.check}>
            <input
              type="checkbox"
              name="active"
              checked={values.active}
              disabled={busy}
              onChange={(event) => setValues({ ...values, active: event.target.checked })}
            />
            Active
          </label>
          {placed.byField.get("active") && <p className={styles.fieldError}>{placed.byField.get("active")}</p>}
        </div>
        <div className={styles.field}>
          <label className={styles.check}>
            <input
              type="checkbox"
              name="fulfilsOnline"
              checked={values.fulfilsOnline}
              disabled={busy}
              onChange={(event) => setValues({ ...values, fulfilsOnline: event.target.checked })}
            />
            Sells online
          </label>
          {placed.byField.get("fulfilsOnline") && (
            <p className={styles.fieldError}>{placed.byField.get("fulfilsOnline")}</p>
          )}
        </div>
      </div>
      {summary && (
        <p className="error-box" role="alert">
          {summary}
        </p>
      )}
      {added && (
        <p className="success-box" role="status">
          {added}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Adding…" : "Add location"}
        </button>
      </div>
    </form>
  );
}
