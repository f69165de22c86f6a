"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition, type FormEvent } from "react";
import { DEFAULT_LOCATION, refId, variantDisplayName } from "@acme/platform-core/universal";
import { csrfFetch } from "@/lib/csrf-fetch";
import { formatNumber } from "@/app/cms/_lib/format";
import { describeApiError, placeFieldErrors, readApiError, type ApiError } from "../api-error";
import { levelAt, toGridRow, type GridPage, type GridRow } from "../grid-types";
import { Field } from "./field";
import { locationLabel } from "./location-types";
import styles from "./locations.module.css";

export interface TransferLocation {
  code: string;
  name: string;
}

interface Line {
  /** Stable across edits, for React and the field ids. */
  id: number;
  search: string;
  chosen?: GridRow;
  quantity: string;
}

/** A fresh id per transfer asked for: a retried request (a double click, a timeout) makes no second transfer. */
function newTransferId(): string {
  return `tr_${crypto.randomUUID()}`;
}

const SUGGESTIONS = 8;

/**
 * Moves stock from one location to another: one or more variants, each found by product, variant or SKU, with the
 * units free at the source beside it. The server decides: a line asking more than is free there (held units never
 * move) is named under that line, and nothing moves.
 */
export function TransferForm({ shopId, locations }: { shopId: string; locations: TransferLocation[] }) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  // From main (where stock is until it moves) to the first other location, by priority.
  const [from, setFrom] = useState(
    locations.find((location) => location.code === DEFAULT_LOCATION)?.code ?? locations[0]?.code ?? "",
  );
  const [to, setTo] = useState(locations.find((location) => location.code !== from)?.code ?? "");
  const [lines, setLines] = useState<Line[]>([{ id: 0, search: "", quantity: "" }]);
  const [nextId, setNextId] = useState(1);
  const [inTransit, setInTransit] = useState(false);
  const [note, setNote] = useState("");
  const [transferId, setTransferId] = useState(newTransferId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string>();
  const [done, setDone] = useState<string>();

  const lineFields = lines.flatMap((_, index) => [
    `lines.${index}`,
    `lines.${index}.sku`,
    `lines.${index}.variantKey`,
    `lines.${index}.quantity`,
  ]);
  const placed = placeFieldErrors(typeof error === "object" ? error : undefined, [
    "from",
    "to",
    "note",
    "lines",
    ...lineFields,
  ]);
  const lineError = (index: number) =>
    [`lines.${index}`, `lines.${index}.sku`, `lines.${index}.variantKey`]
      .map((field) => placed.byField.get(field))
      .filter(Boolean)
      .join("; ") || undefined;
  const summary =
    error === undefined
      ? undefined
      : typeof error === "string"
        ? error
        : placed.unplaced
          ? `Nothing moved. ${describeApiError(error)}`
          : `Nothing moved: ${error.message.replace(/\.$/, "")}. Check the fields marked.`;

  function edit(changes: Partial<Line>, id: number) {
    setLines((current) => current.map((line) => (line.id === id ? { ...line, ...changes } : line)));
    // Another request is another transfer.
    setTransferId(newTransferId());
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(undefined);
    setDone(undefined);
    const missing = lines.findIndex((line) => !line.chosen);
    if (missing >= 0) {
      return setError({
        status: 400,
        code: "validation_failed",
        message: "Every line needs a variant.",
        errors: [{ field: `lines.${missing}`, message: "choose a variant from the list" }],
      });
    }
    setBusy(true);
    const response = await csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/locations/transfers`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        transferId,
        from,
        to,
        inTransit,
        lines: lines.map((line) => {
          const quantity = line.quantity.trim();
          return {
            sku: line.chosen!.sku,
            variantKey: line.chosen!.variantKey,
            quantity: /^-?\d+$/.test(quantity) ? Number(quantity) : quantity,
          };
        }),
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    }).catch(() => undefined);
    setBusy(false);
    if (!response) return setError("The server could not be reached. Nothing moved; sending again is safe.");
    if (!response.ok) return setError(await readApiError(response));
    const { transfer } = (await response.json()) as {
      transfer: { status: string; lines: Array<{ quantity: number }> };
    };
    const units = transfer.lines.reduce((sum, line) => sum + line.quantity, 0);
    const name = (code: string) => locationLabel(locations.find((l) => l.code === code) ?? { code, name: code });
    setDone(
      `Moved ${formatNumber(units)} ${units === 1 ? "unit" : "units"} of ${formatNumber(transfer.lines.length)} ${
        transfer.lines.length === 1 ? "variant" : "variants"
      } from ${name(from)} to ${name(to)}${
        transfer.status === "in_transit" ? ": in transit, receive it below when it arrives." : ", arrived."
      }`,
    );
    setLines([{ id: nextId, search: "", quantity: "" }]);
    setNextId(nextId + 1);
    setNote("");
    setTransferId(newTransferId());
    startTransition(() => router.refresh());
  }

  if (locations.length < 2) {
    return (
      <section className="card" aria-labelledby="transfer-heading">
        <h2 id="transfer-heading">New transfer</h2>
        <p className="muted">A transfer needs two locations: add one on the Locations page first.</p>
      </section>
    );
  }

  return (
    <form
      className={`card ${styles.form}`}
      onSubmit={(event) => void submit(event)}
      noValidate
      aria-labelledby="transfer-heading"
    >
      <h2 id="transfer-heading">New transfer</h2>
      <div className={styles.fields}>
        <Field id="transfer-from" label="From" error={placed.byField.get("from")}>
          <select
            id="transfer-from"
            name="from"
            value={from}
            disabled={busy}
            onChange={(event) => {
              setFrom(event.target.value);
              setTransferId(newTransferId());
            }}
          >
            {locations.map((location) => (
              <option key={location.code} value={location.code}>
                {locationLabel(location)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="transfer-to" label="To" error={placed.byField.get("to")}>
          <select
            id="transfer-to"
            name="to"
            value={to}
            disabled={busy}
            onChange={(event) => {
              setTo(event.target.value);
              setTransferId(newTransferId());
            }}
          >
            {locations.map((location) => (
              <option key={location.code} value={location.code}>
                {locationLabel(location)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className={styles.label}>Lines</div>
      {placed.byField.get("lines") && (
        <p className={styles.fieldError} role="alert">
          Lines: {placed.byField.get("lines")}
        </p>
      )}
      <ol className={styles.lines} aria-label="Lines">
        {lines.map((line, index) => (
          <li key={line.id} className={styles.line} data-line={index}>
            <VariantPicker
              shopId={shopId}
              id={`line-${line.id}-variant`}
              label={`Variant, line ${index + 1}`}
              from={from}
              line={line}
              error={lineError(index)}
              disabled={busy}
              onSearch={(search) => edit({ search, chosen: undefined }, line.id)}
              onChoose={(chosen) => edit({ chosen, search: "" }, line.id)}
            />
            <Field
              id={`line-${line.id}-quantity`}
              label={`Units, line ${index + 1}`}
              error={placed.byField.get(`lines.${index}.quantity`)}
              narrow
            >
              <input
                id={`line-${line.id}-quantity`}
                inputMode="numeric"
                autoComplete="off"
                value={line.quantity}
                disabled={busy}
                onChange={(event) => edit({ quantity: event.target.value }, line.id)}
              />
            </Field>
            {lines.length > 1 && (
              <button
                type="button"
                className={`button button-small button-quiet ${styles.check}`}
                disabled={busy}
                onClick={() => {
                  setLines((current) => current.filter((other) => other.id !== line.id));
                  setTransferId(newTransferId());
                }}
              >
                Remove line {index + 1}
              </button>
            )}
          </li>
        ))}
      </ol>
      <p>
        <button
          type="button"
          className="button button-small"
          disabled={busy}
          onClick={() => {
            setLines((current) => [...current, { id: nextId, search: "", quantity: "" }]);
            setNextId(nextId + 1);
            setTransferId(newTransferId());
          }}
        >
          Add a line
        </button>
      </p>
      <fieldset className={styles.modes} disabled={busy}>
        <legend>When the units arrive</legend>
        <label className={styles.choice}>
          <input type="radio" name="mode" checked={!inTransit} onChange={() => setInTransit(false)} />
          Arrives now (moved at once)
        </label>
        <label className={styles.choice}>
          <input type="radio" name="mode" checked={inTransit} onChange={() => setInTransit(true)} />
          In transit (they leave now and count at the destination once received)
        </label>
      </fieldset>
      <div className={styles.fields}>
        <Field id="transfer-note" label="Note" error={placed.byField.get("note")} grow>
          <input
            id="transfer-note"
            name="note"
            maxLength={1000}
            placeholder="Optional: why, a delivery reference"
            value={note}
            disabled={busy}
            onChange={(event) => setNote(event.target.value)}
          />
        </Field>
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
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Moving…" : "Transfer stock"}
        </button>
      </div>
    </form>
  );
}

/** Finds a variant by product, variant or SKU (the stock grid's search) and shows what is free at the source. */
function VariantPicker({
  shopId,
  id,
  label,
  from,
  line,
  error,
  disabled,
  onSearch,
  onChoose,
}: {
  shopId: string;
  id: string;
  label: string;
  from: string;
  line: Line;
  error: string | undefined;
  disabled: boolean;
  onSearch: (search: string) => void;
  onChoose: (row: GridRow) => void;
}) {
  const [found, setFound] = useState<GridRow[]>();
  const [failed, setFailed] = useState<string>();
  const query = line.search.trim();

  useEffect(() => {
    if (!query) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const params = new URLSearchParams({ q: query, limit: String(SUGGESTIONS) });
      fetch(`/api/shops/${encodeURIComponent(shopId)}/inventory?${params}`, {
        signal: controller.signal,
        cache: "no-store",
      })
        .then(async (response) => {
          if (!response.ok) return setFailed(describeApiError(await readApiError(response)));
          const page = (await response.json()) as GridPage;
          setFound(page.items.map(toGridRow));
          setFailed(undefined);
        })
        .catch(() => {
          if (!controller.signal.aborted) setFailed("The server could not be reached.");
        });
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [shopId, query]);

  const free = (row: GridRow) => levelAt(row, from).available;
  return (
    <div className={styles.picker}>
      <Field id={id} label={label} error={error}>
        <input
          id={id}
          type="search"
          autoComplete="off"
          placeholder={line.chosen ? "Search for another variant" : "Search product, variant or SKU"}
          value={line.search}
          disabled={disabled}
          onChange={(event) => onSearch(event.target.value)}
        />
      </Field>
      {line.chosen && (
        <p className={styles.chosen} data-chosen={refId(line.chosen)}>
          <strong>{variantDisplayName(line.chosen)}</strong>{" "}
          <span className="mono muted nowrap">{line.chosen.sku}</span> · {formatNumber(free(line.chosen))} free at{" "}
          {from}
        </p>
      )}
      {query && failed && <p className={styles.fieldError}>{failed}</p>}
      {query && found && (
        <ul className={styles.options} aria-label={`Matches for ${query}`}>
          {found.length === 0 && <li className="muted small">No variant matches.</li>}
          {found.map((row) => (
            <li key={refId(row)}>
              <button
                type="button"
                className={styles.option}
                data-sku={row.sku}
                data-variant-key={row.variantKey}
                onClick={() => {
                  setFound(undefined);
                  onChoose(row);
                }}
              >
                {variantDisplayName(row)} <span className="mono muted small nowrap">{row.sku}</span>{" "}
                <span className="muted small">
                  · {formatNumber(free(row))} free at {from}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
