"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, placeFieldErrors, readApiError, type ApiError } from "../api-error";
import styles from "./integrations.module.css";

const FIELDS = ["name", "shops"] as const;

/**
 * Creates an integration for the shops ticked. The server validates; each field's problem is shown at the field
 * (`shops.2` at the shop list). The token is shown once, here, with a reminder that it cannot be shown again.
 */
export function CreateIntegrationForm({ shops }: { shops: string[] }) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string>();
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [copied, setCopied] = useState(false);
  const apiError = typeof error === "object" ? error : undefined;
  const placed = placeFieldErrors(
    apiError && {
      ...apiError,
      errors: apiError.errors?.map((e) => (e.field.startsWith("shops.") ? { ...e, field: "shops" } : e)),
    },
    FIELDS,
  );
  const summary =
    error === undefined
      ? undefined
      : typeof error === "string"
        ? error
        : placed.unplaced
          ? `Nothing was created. ${describeApiError(error)}`
          : "Nothing was created: check the fields marked.";

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setCreated(undefined);
    setCopied(false);
    const response = await csrfFetch("/api/integrations", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, shops: chosen }),
    }).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached; nothing was created.");
    if (!response.ok) return setError(await readApiError(response));
    const answer = (await response.json()) as { integration: { name: string }; token: string };
    setCreated({ name: answer.integration.name, token: answer.token });
    setName("");
    setChosen([]);
    startTransition(() => router.refresh());
  }

  async function copy(token: string) {
    try {
      await navigator.clipboard.writeText(token);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  const nameError = placed.byField.get("name");
  const shopsError = placed.byField.get("shops");
  return (
    <form
      className={`card ${styles.form}`}
      onSubmit={(event) => void submit(event)}
      noValidate
      aria-labelledby="create-integration-heading"
    >
      <h2 id="create-integration-heading">Create an integration</h2>
      <div className={styles.field}>
        <label htmlFor="integration-name">Name</label>
        <input
          id="integration-name"
          name="name"
          autoComplete="off"
          maxLength={80}
          value={name}
          disabled={busy}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? "integration-name-error" : undefined}
          className={nameError ? "invalid" : undefined}
          onChange={(event) => setName(event.target.value)}
        />
        {nameError && (
          <p id="integration-name-error" className={styles.fieldError} role="alert">
            Name: {nameError}
          </p>
        )}
      </div>
      <fieldset className={styles.shops} aria-describedby={shopsError ? "integration-shops-error" : undefined}>
        <legend className={styles.legend}>Shops it may write</legend>
        {shops.length === 0 && <span className="small">No shops yet.</span>}
        {shops.map((shop) => (
          <label key={shop}>
            <input
              type="checkbox"
              name="shops"
              value={shop}
              checked={chosen.includes(shop)}
              disabled={busy}
              onChange={(event) =>
                setChosen(event.target.checked ? [...chosen, shop] : chosen.filter((s) => s !== shop))
              }
            />
            {shop}
          </label>
        ))}
      </fieldset>
      {shopsError && (
        <p id="integration-shops-error" className={styles.fieldError} role="alert">
          Shops: {shopsError}
        </p>
      )}
      {summary && (
        <p className="error-box" role="alert">
          {summary}
        </p>
      )}
      {created && (
        <div className="success-box" role="status">
          <p>
            Created {created.name}. Copy its token now: it is shown this once and cannot be shown again (revoke the
            integration and create another if it is lost).
          </p>
          <code className={styles.token} data-testid="integration-token">
            {created.token}
          </code>
          <button type="button" className="button button-small" onClick={() => void copy(created.token)}>
            {copied ? "Copied" : "Copy token"}
          </button>
        </div>
      )}
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Creating…" : "Create integration"}
        </button>
      </div>
    </form>
  );
}
