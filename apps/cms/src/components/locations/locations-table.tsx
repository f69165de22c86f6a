"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { Fragment, useState, useTransition, type FormEvent } from "react";
import { LOCATION_KINDS, type LocationKind } from "@acme/platform-core/universal";
import { csrfFetch } from "@/lib/csrf-fetch";
import { formatNumber, shopPath } from "@/app/cms/_lib/format";
import { describeApiError, placeFieldErrors, readApiError, type ApiError } from "../api-error";
import { KIND_LABELS, locationLabel, type LocationRowData } from "./location-types";
import { Field } from "./field";
import styles from "./locations.module.css";

const EDIT_FIELDS = ["name", "kind", "priority", "active", "fulfilsOnline"] as const;

interface Editing {
  code: string;
  name: string;
  kind: LocationKind;
  priority: string;
  active: boolean;
  fulfilsOnline: boolean;
  saving: boolean;
  error?: ApiError | string;
}

/** The text of a number input as JSON: a number when it reads as one, else the text (the server says what is wrong). */
function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** What a refused edit is told: a location with held units is named as such, other refusals as the server says. */
function refusal(error: ApiError | string): string {
  if (typeof error === "string") return error;
  if (error.status === 409 && typeof (error.body as { held?: unknown } | undefined)?.held === "number") {
    return `Nothing was saved: units are held here. ${error.message}`;
  }
  return `Nothing was saved. ${describeApiError(error)}`;
}

/**
 * The shop's locations with the stock each keeps; editors change a location's name, kind, priority, whether it is
 * active and whether it sells online, in a form under its row. A code never changes.
 */
export function LocationsTable({
  shopId,
  locations,
  canEdit,
}: {
  shopId: string;
  locations: LocationRowData[];
  canEdit: boolean;
}) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  const [editing, setEditing] = useState<Editing>();
  const [saved, setSaved] = useState<{ code: string; message: string }>();

  function startEditing(location: LocationRowData) {
    setSaved(undefined);
    setEditing({
      code: location.code,
      name: location.name,
      kind: location.kind,
      priority: String(location.priority),
      active: location.active,
      fulfilsOnline: location.fulfilsOnline,
      saving: false,
    });
  }

  async function save(event: FormEvent<HTMLFormElement>, location: LocationRowData) {
    event.preventDefault();
    if (!editing) return;
    const priority = numberOrText(editing.priority);
    const changes = {
      ...(editing.name.trim() !== location.name ? { name: editing.name } : {}),
      ...(editing.kind !== location.kind ? { kind: editing.kind } : {}),
      ...(priority !== location.priority ? { priority } : {}),
      ...(editing.active !== location.active ? { active: editing.active } : {}),
      ...(editing.fulfilsOnline !== location.fulfilsOnline ? { fulfilsOnline: editing.fulfilsOnline } : {}),
    };
    if (Object.keys(changes).length === 0) return setEditing(undefined);
    setEditing({ ...editing, saving: true, error: undefined });
    const response = await csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/locations`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: location.code, ...changes }),
    }).catch(() => undefined);
    if (!response) {
      return setEditing({ ...editing, saving: false, error: "The server could not be reached; nothing was saved." });
    }
    if (!response.ok) return setEditing({ ...editing, saving: false, error: await readApiError(response) });
    const { location: stored } = (await response.json()) as { location: LocationRowData };
    setEditing(undefined);
    setSaved({
      code: location.code,
      message: `Saved ${locationLabel(stored)}: ${stored.active ? "active" : "inactive"}, ${
        stored.fulfilsOnline ? "sells online" : "does not sell online"
      }, priority ${formatNumber(stored.priority)}.`,
    });
    startTransition(() => router.refresh());
  }

  const placed = placeFieldErrors(typeof editing?.error === "object" ? editing.error : undefined, EDIT_FIELDS);
  // A refusal for held units names `active`; it belongs under the switch the operator turned off.
  const held =
    typeof editing?.error === "object" && typeof (editing.error.body as { held?: unknown })?.held === "number";
  const editedRow = locations.find((location) => location.code === editing?.code);
  if (held && editing && editedRow && editing.active === editedRow.active && placed.byField.has("active")) {
    placed.byField.set("fulfilsOnline", placed.byField.get("active")!);
    placed.byField.delete("active");
  }
  const columns = 11;

  return (
    <div className={`table-scroll ${styles.tableGap}`}>
      <table className="table locations-table phone-cards">
        <thead>
          <tr>
            <th>Location</th>
            <th>Code</th>
            <th>Kind</th>
            <th>Active</th>
            <th>Sells online</th>
            <th className="num">Priority</th>
            <th className="num">On hand</th>
            <th className="num">Held</th>
            <th className="num">Available</th>
            <th className="num">Incoming</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {locations.map((location) => {
            const isEditing = editing?.code === location.code;
            return (
              <Fragment key={location.code}>
                <tr
                  data-location={location.code}
                  data-online={location.online}
                  className={location.online ? undefined : styles.offline}
                >
                  <td className="product-cell">
                    <span className="product-title">{location.name}</span>
                    {location.isDefault && <span className="variant-title">Default: stock without a location</span>}
                  </td>
                  <td className="mono" data-label="Code">
                    {location.code}
                  </td>
                  <td data-label="Kind">{KIND_LABELS[location.kind]}</td>
                  <td data-label="Active">
                    <span className={location.active ? styles.yes : styles.no}>{location.active ? "Yes" : "No"}</span>
                  </td>
                  <td data-label="Sells online">
                    <span className={location.fulfilsOnline ? styles.yes : styles.no}>
                      {location.fulfilsOnline ? "Yes" : "No"}
                    </span>
                  </td>
                  <td className="num" data-label="Priority">
                    {formatNumber(location.priority)}
                  </td>
                  <td className="num" data-label="On hand">
                    {formatNumber(location.onHand)}
                  </td>
                  <td className="num" data-label="Held">
                    {formatNumber(location.held)}
                  </td>
                  <td className="num" data-label="Available">
                    {formatNumber(location.onHand - location.held)}
                  </td>
                  <td className="num" data-label="Incoming">
                    {formatNumber(location.incoming)}
                  </td>
                  <td className="actions">
                    {!isEditing && (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={!canEdit || editing !== undefined}
                        title={canEdit ? undefined : "Viewers cannot change locations"}
                        onClick={() => startEditing(location)}
                      >
                        Edit
                      </button>
                    )}
                    <Link
                      className="button button-small button-quiet"
                      href={`${shopPath(shopId, "/data/inventory")}?location=${encodeURIComponent(location.code)}`}
                    >
                      Stock here
                    </Link>
                  </td>
                </tr>
                {saved?.code === location.code && !isEditing && (
                  <tr className={styles.savedRow}>
                    <td colSpan={columns}>
                      <p className="success-box" role="status">
                        ✓ {saved.message}
                      </p>
                    </td>
                  </tr>
                )}
                {isEditing && (
                  <tr className={styles.editRow}>
                    <td colSpan={columns}>
                      <form
                        onSubmit={(event) => void save(event, location)}
                        noValidate
                        aria-label={`Edit ${location.code}`}
                      >
                        <div className={styles.editFields}>
                          <Field id={`edit-${location.code}-name`} label="Name" error={placed.byField.get("name")}>
                            <input
                              id={`edit-${location.code}-name`}
                              value={editing.name}
                              maxLength={80}
                              onChange={(event) => setEditing({ ...editing, name: event.target.value })}
                            />
                          </Field>
                          <Field id={`edit-${location.code}-kind`} label="Kind" error={placed.byField.get("kind")}>
                            <select
                              id={`edit-${location.code}-kind`}
                              value={editing.kind}
                              onChange={(event) => setEditing({ ...editing, kind: event.target.value as LocationKind })}
                            >
                              {LOCATION_KINDS.map((kind) => (
                                <option key={kind} value={kind}>
                                  {KIND_LABELS[kind]}
                                </option>
                              ))}
                            </select>
                          </Field>
                          <Field
                            id={`edit-${location.code}-priority`}
                            label="Priority"
                            error={placed.byField.get("priority")}
                            narrow
                          >
                            <input
                              id={`edit-${location.code}-priority`}
                              inputMode="numeric"
                              value={editing.priority}
                              onChange={(event) => setEditing({ ...editing, priority: event.target.value })}
                            />
                          </Field>
                          <div className={styles.field}>
                            <label className={styles.check}>
                              <input
                                type="checkbox"
                                checked={editing.active}
                                onChange={(event) => setEditing({ ...editing, active: event.target.checked })}
                              />
                              Active
                            </label>
                            {placed.byField.get("active") && (
                              <p className={styles.fieldError} role="alert">
                                {placed.byField.get("active")}
                              </p>
                            )}
                          </div>
                          <div className={styles.field}>
                            <label className={styles.check}>
                              <input
                                type="checkbox"
                                checked={editing.fulfilsOnline}
                                onChange={(event) => setEditing({ ...editing, fulfilsOnline: event.target.checked })}
                              />
                              Sells online
                            </label>
                            {placed.byField.get("fulfilsOnline") && (
                              <p className={styles.fieldError} role="alert">
                                {placed.byField.get("fulfilsOnline")}
                              </p>
                            )}
                          </div>
                        </div>
                        <p className="muted small">
                          Only an active location that sells online counts towards what buyers can buy; it cannot stop
                          while checkouts hold units there.
                        </p>
                        {editing.error && (
                          <p className="error-box" role="alert">
                            {refusal(editing.error)}
                          </p>
                        )}
                        <div className="button-row">
                          <button type="submit" className="button button-primary" disabled={editing.saving}>
                            {editing.saving ? "Saving…" : "Save location"}
                          </button>
                          <button
                            type="button"
                            className="button"
                            disabled={editing.saving}
                            onClick={() => setEditing(undefined)}
                          >
                            Cancel
                          </button>
                        </div>
                      </form>
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
