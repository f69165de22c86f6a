"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { describeApiError, placeFieldErrors, readApiError, type ApiError } from "../api-error";
import { SecretOnce } from "./secret-once";
import { EVENT_TYPE_LABELS, type WebhookRow } from "./webhook-types";
import styles from "./webhooks.module.css";

const FIELDS = ["name", "url", "shops", "kinds", "startFrom"] as const;

/**
 * Creates a subscription, or edits one (`existing`). The server validates; each problem is shown at its field
 * (`shops.2` at the shop list, `kinds.0` at the kinds). A new subscription's secret is shown once, here.
 */
export function WebhookForm({
  shops,
  kinds,
  existing,
}: {
  shops: string[];
  kinds: readonly string[];
  existing?: WebhookRow;
}) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [name, setName] = useState(existing?.name ?? "");
  const [url, setUrl] = useState(existing?.url ?? "");
  const [chosenShops, setChosenShops] = useState<string[]>(existing?.shops ?? []);
  const [chosenKinds, setChosenKinds] = useState<string[]>(existing?.kinds ?? [...kinds]);
  const [startFrom, setStartFrom] = useState<"now" | "beginning">("now");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string>();
  const [done, setDone] = useState<{ message: string; secret?: string }>();
  const apiError = typeof error === "object" ? error : undefined;
  const placed = placeFieldErrors(
    apiError && {
      ...apiError,
      errors: apiError.errors?.map((e) => ({ ...e, field: e.field.replace(/^(shops|kinds)\.\d+$/, "$1") })),
    },
    FIELDS,
  );
  const verb = existing ? "changed" : "created";
  const summary =
    error === undefined
      ? undefined
      : typeof error === "string"
        ? error
        : placed.unplaced
          ? `Nothing was ${verb}. ${describeApiError(error)}`
          : `Nothing was ${verb}: check the fields marked.`;
  const allShops = [...new Set([...shops, ...(existing?.shops ?? [])])].sort();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    const body = { name, url, shops: chosenShops, kinds: chosenKinds, startFrom };
    const response = await csrfFetch(existing ? `/api/webhooks/${encodeURIComponent(existing.id)}` : "/api/webhooks", {
      method: existing ? "PATCH" : "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => undefined);
    setBusy(false);
    if (!response) return setError(`The server could not be reached; nothing was ${verb}.`);
    if (!response.ok) return setError(await readApiError(response));
    const answer = (await response.json()) as { subscription: WebhookRow; secret?: string };
    setDone({ message: `${existing ? "Saved" : "Created"} ${answer.subscription.name}.`, secret: answer.secret });
    if (!existing) {
      setName("");
      setUrl("");
      setChosenShops([]);
      setChosenKinds([...kinds]);
    }
    startTransition(() => router.refresh());
  }

  const error_ = (field: (typeof FIELDS)[number]) => placed.byField.get(field);
  const id = existing ? `webhook-${existing.id}` : "webhook-new";
  const fieldError = (field: (typeof FIELDS)[number], label: string) =>
    error_(field) && (
      <p id={`${id}-${field}-error`} className={styles.fieldError} role="alert">
        {label}: {error_(field)}
      </p>
    );
  const toggle = (list: string[], value: string, on: boolean) =>
    on ? [...list, value] : list.filter((entry) => entry !== value);

  return (
    <form
      className={`card ${styles.form}`}
      onSubmit={(event) => void submit(event)}
      noValidate
      aria-labelledby={`${id}-heading`}
    >
      <h2 id={`${id}-heading`}>{existing ? "Edit subscription" : "Add a webhook"}</h2>
      <div className={styles.field}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          name="name"
          autoComplete="off"
          maxLength={80}
          value={name}
          disabled={busy}
          aria-invalid={error_("name") ? true : undefined}
          aria-describedby={error_("name") ? `${id}-name-error` : undefined}
          className={error_("name") ? "invalid" : undefined}
          onChange={(event) => setName(event.target.value)}
        />
        {fieldError("name", "Name")}
      </div>
      <div className={styles.field}>
        <label htmlFor={`${id}-url`}>URL (https)</label>
        <input
          id={`${id}-url`}
          name="url"
          type="url"
          autoComplete="off"
          placeholder="https://erp.example.com/hooks/stock"
          value={url}
          disabled={busy}
          aria-invalid={error_("url") ? true : undefined}
          aria-describedby={error_("url") ? `${id}-url-error` : undefined}
          className={error_("url") ? "invalid" : undefined}
          onChange={(event) => setUrl(event.target.value)}
        />
        {fieldError("url", "URL")}
      </div>
      <fieldset className={styles.choices} aria-describedby={error_("shops") ? `${id}-shops-error` : undefined}>
        <legend className={styles.legend}>Shops</legend>
        {allShops.length === 0 && <span className="small">No shops yet.</span>}
        {allShops.map((shop) => (
          <label key={shop}>
            <input
              type="checkbox"
              name="shops"
              value={shop}
              checked={chosenShops.includes(shop)}
              disabled={busy}
              onChange={(event) => setChosenShops(toggle(chosenShops, shop, event.target.checked))}
            />
            {shop}
          </label>
        ))}
      </fieldset>
      {fieldError("shops", "Shops")}
      <fieldset className={styles.choices} aria-describedby={error_("kinds") ? `${id}-kinds-error` : undefined}>
        <legend className={styles.legend}>Event types</legend>
        {kinds.map((kind) => (
          <label key={kind}>
            <input
              type="checkbox"
              name="kinds"
              value={kind}
              checked={chosenKinds.includes(kind)}
              disabled={busy}
              onChange={(event) => setChosenKinds(toggle(chosenKinds, kind, event.target.checked))}
            />
            <span>
              {EVENT_TYPE_LABELS[kind] ?? kind} <code className="small muted">{kind}</code>
            </span>
          </label>
        ))}
      </fieldset>
      {fieldError("kinds", "Event types")}
      <div className={styles.field}>
        <label htmlFor={`${id}-start`}>{existing ? "Shops added start" : "Start"}</label>
        <select
          id={`${id}-start`}
          value={startFrom}
          disabled={busy}
          onChange={(event) => setStartFrom(event.target.value === "beginning" ? "beginning" : "now")}
        >
          <option value="now">with the next change (from now on)</option>
          <option value="beginning">from the oldest retained event</option>
        </select>
        {fieldError("startFrom", "Start")}
      </div>
      {summary && (
        <p className="error-box" role="alert">
          {summary}
        </p>
      )}
      {done &&
        (done.secret ? (
          <SecretOnce intro={done.message} secret={done.secret} />
        ) : (
          <p className="success-box" role="status">
            {done.message}
          </p>
        ))}
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Saving…" : existing ? "Save" : "Add webhook"}
        </button>
      </div>
    </form>
  );
}
