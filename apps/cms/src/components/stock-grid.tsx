"use client";

import Link from "next/link";
import { Fragment, useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import {
  DEFAULT_LOCATION,
  refId,
  TITLE_MAX_LENGTH as TITLE_MAX,
  variantDisplayName,
  variantTitles,
} from "@acme/platform-core/universal";
import { formatNumber, formatTime, historyPath } from "@/app/cms/_lib/format";
import { EDIT_REASONS, EDIT_REASON_LABELS, NOTE_MAX_LENGTH, type EditReason } from "./edit-reasons";
import { GRID_PAGE_SIZE, gridSearchParams, type GridFilter, type GridSort, type GridState } from "./grid-query";
import { levelAt, toGridRow, type GridLocation, type GridPage, type GridRow } from "./grid-types";
import { describeApiError, readApiError, type ApiError } from "./api-error";

const FILTER_LABELS: Record<GridFilter, string> = {
  all: "All",
  attention: "Needs attention",
  low: "Low stock",
  out: "Out of stock",
};

interface Column {
  id: string;
  label: string;
  sort?: GridSort;
  numeric?: boolean;
  /** Full name of the column (a location's name), shown on hover. */
  title?: string;
  /** The label of the value on a phone's card, where the header is not shown (default: `label`). */
  cardLabel?: string;
}

const PRODUCT_COLUMNS: Column[] = [
  { id: "product", sort: "product", label: "Product" },
  { id: "sku", sort: "sku", label: "SKU" },
];
const TOTAL_COLUMNS: Column[] = [
  { id: "quantity", sort: "quantity", label: "Quantity", numeric: true },
  { id: "reserved", sort: "reserved", label: "Reserved", numeric: true },
  { id: "available", sort: "available", label: "Available", numeric: true },
];
const ITEM_COLUMNS: Column[] = [
  { id: "lowStockThreshold", sort: "lowStockThreshold", label: "Low-stock threshold", numeric: true },
  { id: "purchaseLimit", sort: "purchaseLimit", label: "Limit per buyer", numeric: true },
  { id: "updatedAt", sort: "updatedAt", label: "Updated" },
];

/**
 * The grid's columns. One location in the shop: the shop total, as ever. Several, all locations: the shop total
 * (what buyers can buy, over online locations) and a column per location. One location chosen: its figures, the
 * quantity editable, and the shop total beside them. Sorting and filters go by the shop total, so a location's
 * columns do not sort.
 */
function columnsFor(locations: GridLocation[], multi: boolean, at: GridLocation | undefined): Column[] {
  if (!multi) return [...PRODUCT_COLUMNS, ...TOTAL_COLUMNS, ...ITEM_COLUMNS];
  if (!at) {
    const perLocation = locations.map((location) => ({
      id: `at:${location.code}`,
      label: location.code,
      cardLabel: `At ${location.code}`,
      numeric: true,
      title: `${location.name}: on hand there${location.online ? "" : " (not sold online)"}`,
    }));
    return [...PRODUCT_COLUMNS, ...TOTAL_COLUMNS, ...perLocation, ...ITEM_COLUMNS];
  }
  return [
    ...PRODUCT_COLUMNS,
    { id: "here:quantity", label: `Quantity at ${at.code}`, numeric: true, title: at.name },
    { id: "here:reserved", label: `Reserved at ${at.code}`, numeric: true, title: at.name },
    { id: "here:available", label: `Available at ${at.code}`, numeric: true, title: at.name },
    {
      id: "total",
      sort: "available",
      label: "Shop total",
      numeric: true,
      title: "Available to buyers over every online location, of the units on hand there",
    },
    ...ITEM_COLUMNS,
  ];
}

interface Editing {
  key: string;
  quantity: string;
  threshold: string;
  /** Most units per checkout and per buyer; "" for no limit. */
  limit: string;
  productTitle: string;
  variantTitle: string;
  reason: EditReason | "";
  note: string;
  saving: boolean;
  error?: ApiError;
  /** Set when someone else changed the variant since it was loaded: the values they left. */
  conflict?: GridRow;
}

/**
 * A whole number typed into a cell, from `min` to `max`, or why not. Checked
 * here rather than left to the server: a number too long for a double is
 * Infinity, which JSON sends as null, and null means "none".
 */
function wholeNumber(text: string, min: 0 | 1, max: number): number | string {
  const what = min === 1 ? "a whole number, 1 or more" : "a whole number, 0 or more";
  if (!/^\d+$/.test(text)) return `must be ${what}`;
  const value = Number(text);
  if (value < min) return `must be ${what}`;
  if (value > max) return `must be at most ${formatNumber(max)}`;
  return value;
}

function stockState(row: GridRow, available = row.available): "out" | "low" | "ok" {
  if (available <= 0) return "out";
  if (row.lowStockThreshold !== null && available <= row.lowStockThreshold) return "low";
  return "ok";
}

export function StockGrid({
  shopId,
  canEdit,
  initialState,
  initialPage,
  locations,
  maxQuantity,
}: {
  shopId: string;
  canEdit: boolean;
  initialState: GridState;
  initialPage: GridPage;
  /** The shop's locations, by priority. */
  locations: GridLocation[];
  /** The largest quantity, threshold or limit the API accepts (MAX_QUANTITY). */
  maxQuantity: number;
}) {
  const [state, setState] = useState(initialState);
  const [search, setSearch] = useState(initialState.q);
  const [page, setPage] = useState(initialPage);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<ApiError>();
  const [editing, setEditing] = useState<Editing>();
  const [saved, setSaved] = useState<{ key: string; message: string }>();
  // Brought into view once per save: a callback ref would scroll back on every later render (typing a search, paging).
  const savedMessage = useRef<HTMLParagraphElement>(null);
  useEffect(() => savedMessage.current?.scrollIntoView({ block: "nearest" }), [saved]);
  const firstRender = useRef(true);
  // A shop with one location that sells online is shown as it always was; with more, per location.
  const multi = locations.length > 1 || locations.some((location) => !location.online);
  const at = multi ? locations.find((location) => location.code === state.location) : undefined;
  const quantityEditable = !multi || at !== undefined;
  const columns = columnsFor(locations, multi, at);
  /** The quantity the edit changes: the chosen location's, or the only location's (the shop total). */
  const shownQuantity = (row: GridRow) => (at ? levelAt(row, at.code).quantity : row.quantity);

  // Load the page for the current state; a newer request aborts an older one.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const params = gridSearchParams(state);
    window.history.replaceState(null, "", params.size > 0 ? `?${params}` : window.location.pathname);
    const controller = new AbortController();
    setLoading(true);
    fetch(`/api/shops/${encodeURIComponent(shopId)}/inventory?${params}`, {
      signal: controller.signal,
      cache: "no-store",
    })
      .then(async (response) => {
        if (!response.ok) {
          const error = await readApiError(response);
          if (!controller.signal.aborted) setLoadError(error);
          return;
        }
        const next = (await response.json()) as GridPage;
        setPage({ ...next, items: next.items.map(toGridRow) });
        setLoadError(undefined);
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setLoadError(error as ApiError);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [shopId, state]);

  // Search as the operator types, once they pause.
  useEffect(() => {
    if (search.trim() === state.q) return;
    const timer = setTimeout(() => setState((s) => ({ ...s, q: search.trim(), offset: 0 })), 250);
    return () => clearTimeout(timer);
  }, [search, state.q]);

  const replaceRow = useCallback((row: GridRow) => {
    setPage((p) => ({ ...p, items: p.items.map((item) => (refId(item) === refId(row) ? row : item)) }));
  }, []);

  // After a save the filter counts may change; rows stay where they are
  // (re-sorting under the operator's cursor would be confusing).
  async function refreshCounts() {
    const params = gridSearchParams({ ...state, offset: 0 });
    params.set("limit", "1");
    const response = await fetch(`/api/shops/${encodeURIComponent(shopId)}/inventory?${params}`, {
      cache: "no-store",
    }).catch(() => undefined);
    if (!response?.ok) return;
    const { counts, total } = (await response.json()) as GridPage;
    setPage((p) => ({ ...p, counts, total }));
  }

  function startEditing(row: GridRow) {
    setSaved(undefined);
    setEditing({
      key: refId(row),
      quantity: String(shownQuantity(row)),
      threshold: row.lowStockThreshold === null ? "" : String(row.lowStockThreshold),
      limit: row.purchaseLimit === null ? "" : String(row.purchaseLimit),
      productTitle: row.productTitle,
      variantTitle: row.variantTitle,
      reason: "",
      note: "",
      saving: false,
    });
  }

  async function save(row: GridRow) {
    if (!editing) return;
    const problems: ApiError["errors"] = [];
    const quantity = editing.quantity.trim();
    const threshold = editing.threshold.trim();
    const limit = editing.limit.trim();
    // An empty threshold or limit means none.
    const nextQuantity = quantityEditable ? wholeNumber(quantity, 0, maxQuantity) : shownQuantity(row);
    const nextThreshold = threshold === "" ? null : wholeNumber(threshold, 0, maxQuantity);
    const nextLimit = limit === "" ? null : wholeNumber(limit, 1, maxQuantity);
    if (typeof nextQuantity === "string") problems.push({ field: "quantity", message: nextQuantity });
    if (typeof nextThreshold === "string")
      problems.push({ field: "lowStockThreshold", message: `${nextThreshold}, or empty for none` });
    if (typeof nextLimit === "string")
      problems.push({ field: "purchaseLimit", message: `${nextLimit}, or empty for no limit` });
    const productTitle = editing.productTitle.trim().replace(/\s+/g, " ");
    const variantTitle = editing.variantTitle.trim().replace(/\s+/g, " ");
    if (productTitle.length > TITLE_MAX)
      problems.push({ field: "productTitle", message: `must be at most ${TITLE_MAX} characters` });
    if (variantTitle.length > TITLE_MAX)
      problems.push({ field: "variantTitle", message: `must be at most ${TITLE_MAX} characters` });
    const before = shownQuantity(row);
    const quantityChanged = problems.length === 0 && nextQuantity !== before;
    const thresholdChanged = problems.length === 0 && nextThreshold !== row.lowStockThreshold;
    const limitChanged = problems.length === 0 && nextLimit !== row.purchaseLimit;
    const productTitleChanged = problems.length === 0 && productTitle !== row.productTitle;
    const variantTitleChanged = problems.length === 0 && variantTitle !== row.variantTitle;
    if (quantityChanged && !editing.reason)
      problems.push({ field: "reason", message: "choose why the quantity changes" });
    if (problems.length > 0) {
      setEditing({
        ...editing,
        error: { status: 400, code: "validation_failed", message: "Check the highlighted fields.", errors: problems },
      });
      return;
    }
    if (!quantityChanged && !thresholdChanged && !limitChanged && !productTitleChanged && !variantTitleChanged) {
      setEditing(undefined);
      return;
    }
    setEditing({ ...editing, saving: true, error: undefined });
    const response = await csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/inventory`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sku: row.sku,
        variantKey: row.variantKey,
        expectedVersion: row.version,
        ...(quantityChanged
          ? { quantity: nextQuantity, reason: editing.reason, ...(at ? { location: at.code } : {}) }
          : {}),
        ...(thresholdChanged ? { lowStockThreshold: nextThreshold } : {}),
        ...(limitChanged ? { purchaseLimit: nextLimit } : {}),
        ...(productTitleChanged ? { productTitle } : {}),
        ...(variantTitleChanged ? { variantTitle } : {}),
        ...(editing.note.trim() ? { note: editing.note.trim() } : {}),
      }),
    }).catch(() => undefined);
    if (!response) {
      setEditing({
        ...editing,
        saving: false,
        error: { status: 0, code: "network", message: "The server could not be reached. Nothing was saved." },
      });
      return;
    }
    if (response.ok) {
      const { item } = (await response.json()) as { item: GridRow };
      const updated = toGridRow(item);
      replaceRow(updated);
      setEditing(undefined);
      const parts = [
        quantityChanged
          ? `quantity${at ? ` at ${at.code}` : ""} ${formatNumber(before)} → ${formatNumber(shownQuantity(updated))} (${
              editing.reason
            })`
          : "",
        thresholdChanged
          ? `threshold ${formatNumber(row.lowStockThreshold)} → ${formatNumber(updated.lowStockThreshold)}`
          : "",
        limitChanged
          ? `limit per buyer ${formatNumber(row.purchaseLimit)} → ${formatNumber(updated.purchaseLimit)}`
          : "",
        productTitleChanged || variantTitleChanged ? `renamed from ${variantDisplayName(row)}` : "",
      ].filter(Boolean);
      setSaved({ key: refId(row), message: `Saved ${variantDisplayName(updated)} (${row.sku}): ${parts.join(", ")}.` });
      void refreshCounts();
      return;
    }
    const error = await readApiError(response);
    const current = (error.body as { current?: GridRow } | undefined)?.current;
    if (error.status === 409 && current) {
      // Someone else saved first: show their values and keep ours in the form;
      // saving again is an explicit choice to replace theirs.
      const fresh = toGridRow(current);
      replaceRow(fresh);
      setEditing({ ...editing, saving: false, error: undefined, conflict: fresh });
      return;
    }
    setEditing({ ...editing, saving: false, error });
  }

  const fieldError = (field: string) => editing?.error?.errors?.find((e) => e.field === field)?.message;

  /** One cell of a row after its product and SKU (a function, not a component: inputs keep their focus). */
  function renderCell(column: Column, row: GridRow, isEditing: boolean) {
    const name = `${row.sku} (${variantDisplayName(row)})`;
    const keys = (event: KeyboardEvent<HTMLInputElement>) => {
      if (event.key === "Enter") void save(row);
      if (event.key === "Escape") setEditing(undefined);
    };
    const cell = (content: ReactNode, className = "num") => (
      <td key={column.id} className={className} data-label={column.label}>
        {content}
      </td>
    );
    if (column.id.startsWith("at:")) {
      const code = column.id.slice(3);
      const level = row.levels.find((l) => l.location === code);
      // The default location is where a variant is until stock moves: nothing there is 0, elsewhere not kept (—).
      const none = code === DEFAULT_LOCATION ? "0" : "—";
      return (
        <td key={column.id} className="num" data-label={column.cardLabel ?? column.label} data-location={code}>
          <span>
            {level ? formatNumber(level.quantity) : none}
            {level && level.reserved > 0 && <span className="level-note">{formatNumber(level.reserved)} held</span>}
            {level && level.incoming > 0 && <span className="level-note">+{formatNumber(level.incoming)} coming</span>}
          </span>
        </td>
      );
    }
    const level = at ? levelAt(row, at.code) : undefined;
    // Not kept at the chosen location yet (no stock row there): a dash, not a row of zeros.
    const kept = at !== undefined && row.levels.some((l) => l.location === at.code);
    switch (column.id) {
      case "quantity":
      case "here:quantity":
        return cell(
          isEditing && editing && quantityEditable ? (
            <input
              aria-label={at ? `Quantity at ${at.code} of ${name}` : `Quantity of ${name}`}
              name="quantity"
              className={fieldError("quantity") ? "cell-input invalid" : "cell-input"}
              inputMode="numeric"
              value={editing.quantity}
              autoFocus
              onChange={(event) => setEditing({ ...editing, quantity: event.target.value })}
              onKeyDown={keys}
            />
          ) : (
            formatNumber(column.id === "quantity" ? row.quantity : kept ? level!.quantity : null)
          ),
        );
      case "reserved":
        return cell(formatNumber(row.reserved));
      case "here:reserved":
        return cell(formatNumber(kept ? level!.reserved : null));
      case "available":
        return cell(<span className={`badge badge-${stockState(row)}`}>{formatNumber(row.available)}</span>);
      case "here:available":
        return cell(
          kept ? (
            <span className={`badge badge-${stockState(row, level!.available)}`}>{formatNumber(level!.available)}</span>
          ) : (
            "—"
          ),
        );
      case "total":
        return cell(
          <span>
            <span className={`badge badge-${stockState(row)}`}>{formatNumber(row.available)}</span>
            <span className="level-note">of {formatNumber(row.quantity)} on hand</span>
          </span>,
        );
      case "lowStockThreshold":
        return cell(
          isEditing && editing ? (
            <input
              aria-label={`Low-stock threshold of ${name}`}
              name="lowStockThreshold"
              className={fieldError("lowStockThreshold") ? "cell-input invalid" : "cell-input"}
              inputMode="numeric"
              placeholder="none"
              value={editing.threshold}
              autoFocus={!quantityEditable}
              onChange={(event) => setEditing({ ...editing, threshold: event.target.value })}
              onKeyDown={keys}
            />
          ) : (
            formatNumber(row.lowStockThreshold)
          ),
        );
      case "purchaseLimit":
        return cell(
          isEditing && editing ? (
            <input
              aria-label={`Limit per buyer of ${name}`}
              name="purchaseLimit"
              className={fieldError("purchaseLimit") ? "cell-input invalid" : "cell-input"}
              inputMode="numeric"
              placeholder="none"
              value={editing.limit}
              onChange={(event) => setEditing({ ...editing, limit: event.target.value })}
              onKeyDown={keys}
            />
          ) : (
            formatNumber(row.purchaseLimit)
          ),
        );
      default:
        if (!multi) return cell(formatTime(row.updatedAt), "muted small");
        // Two short lines instead of four: the grid has more columns here.
        return cell(
          <span>
            <span className="nowrap">{formatTime(row.updatedAt).slice(0, 10)}</span>{" "}
            <span className="nowrap">{formatTime(row.updatedAt).slice(11)}</span>
          </span>,
          "muted small",
        );
    }
  }
  const from = page.total === 0 ? 0 : page.offset + 1;
  const to = Math.min(page.offset + page.items.length, page.total);

  return (
    <section className="grid-wrap" aria-busy={loading}>
      <div className="toolbar">
        {multi && (
          <label className="location-picker">
            <span>Location</span>
            <select
              aria-label="Location"
              value={at?.code ?? ""}
              disabled={editing !== undefined}
              onChange={(event) => setState((s) => ({ ...s, location: event.target.value }))}
            >
              <option value="">All locations (shop total)</option>
              {locations.map((location) => (
                <option key={location.code} value={location.code}>
                  {location.name} ({location.code}){location.online ? "" : ", not sold online"}
                </option>
              ))}
            </select>
          </label>
        )}
        <input
          type="search"
          className="search"
          placeholder="Search product, variant or SKU"
          aria-label="Search"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <div className="filters" role="group" aria-label="Stock filter">
          {(Object.keys(FILTER_LABELS) as GridFilter[]).map((filter) => (
            <button
              key={filter}
              type="button"
              className={state.filter === filter ? "chip active" : "chip"}
              aria-pressed={state.filter === filter}
              onClick={() => setState((s) => ({ ...s, filter, offset: 0 }))}
            >
              {FILTER_LABELS[filter]} <span className="count">{formatNumber(page.counts[filter])}</span>
            </button>
          ))}
        </div>
        <span className="status-text" role="status">
          {loading ? "Loading…" : `${formatNumber(from)}–${formatNumber(to)} of ${formatNumber(page.total)}`}
        </span>
      </div>
      {multi && (
        <p className="muted small" data-testid="grid-view">
          {at
            ? `Quantities at ${at.name} (${at.code})${at.online ? "" : ", which buyers cannot buy from"}; edits change them there. The shop total is what buyers can buy over every active location that sells online.`
            : "The shop total (quantity, reserved, available) adds up the active locations that sell online; each location's own count is in its column. Choose a location to change its quantities."}{" "}
          Filters and sorting go by the shop total.
        </p>
      )}
      {loadError && <p className="error-box">{describeApiError(loadError)}</p>}
      <div className="table-scroll">
        <table className={multi ? "table stock-table phone-cards many-columns" : "table stock-table phone-cards"}>
          <thead>
            <tr>
              {columns.map((column) => {
                const active = column.sort !== undefined && state.sort === column.sort;
                return (
                  <th
                    key={column.id}
                    title={column.title}
                    className={column.numeric ? "num" : undefined}
                    aria-sort={active ? (state.dir === "asc" ? "ascending" : "descending") : undefined}
                  >
                    {column.sort ? (
                      <button
                        type="button"
                        className="sort"
                        onClick={() =>
                          setState((s) => ({
                            ...s,
                            sort: column.sort!,
                            dir: s.sort === column.sort && s.dir === "asc" ? "desc" : "asc",
                            offset: 0,
                          }))
                        }
                      >
                        {column.label}
                        <span aria-hidden="true" className="sort-mark">
                          {active ? (state.dir === "asc" ? "▲" : "▼") : ""}
                        </span>
                      </button>
                    ) : (
                      column.label
                    )}
                  </th>
                );
              })}
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.items.length === 0 && (
              <tr>
                <td colSpan={columns.length + 1} className="empty">
                  No variants match.
                </td>
              </tr>
            )}
            {page.items.map((row) => {
              const key = refId(row);
              const isEditing = editing?.key === key;
              const state = stockState(row);
              const titles = variantTitles(row);
              return (
                <Fragment key={key}>
                  <tr
                    data-sku={row.sku}
                    data-variant-key={row.variantKey}
                    data-version={row.version}
                    className={[
                      `stock-${state}`,
                      isEditing ? "editing" : "",
                      saved?.key === key ? "just-saved" : "",
                    ].join(" ")}
                  >
                    <td className="product-cell" data-label="Product">
                      <span className="product-title">{titles.product}</span>
                      {titles.variant && <span className="variant-title">{titles.variant}</span>}
                    </td>
                    <td className="mono sku-cell" data-label="SKU">
                      {row.sku}
                    </td>
                    {columns.slice(PRODUCT_COLUMNS.length).map((column) => renderCell(column, row, isEditing))}
                    <td className="actions">
                      {!isEditing && (
                        <button
                          type="button"
                          className="button button-small"
                          disabled={!canEdit || editing !== undefined}
                          title={canEdit ? undefined : "Viewers cannot change stock"}
                          onClick={() => startEditing(row)}
                        >
                          Edit
                        </button>
                      )}
                      <Link
                        className="button button-small button-quiet"
                        href={historyPath(shopId, row.sku, row.variantKey)}
                      >
                        History
                      </Link>
                    </td>
                  </tr>
                  {saved?.key === key && !isEditing && (
                    // At the row that was saved, where the operator is looking (it was at the top of the grid, out of
                    // sight).
                    <tr className="saved-row">
                      <td colSpan={columns.length + 1}>
                        <p className="success-box" role="status" ref={savedMessage}>
                          ✓ {saved.message}
                        </p>
                      </td>
                    </tr>
                  )}
                  {isEditing && (
                    <tr className="edit-row">
                      <td colSpan={columns.length + 1}>
                        <form
                          className="edit-form"
                          onSubmit={(event) => {
                            event.preventDefault();
                            void save(row);
                          }}
                        >
                          {editing.conflict && (
                            <div className="conflict-box" role="alert">
                              <strong>
                                Someone else changed {variantDisplayName(row)} ({row.sku}) while you were editing.
                              </strong>{" "}
                              {at &&
                                `At ${at.code} it now has quantity ${formatNumber(
                                  levelAt(editing.conflict, at.code).quantity,
                                )}, reserved ${formatNumber(levelAt(editing.conflict, at.code).reserved)}; the shop total is`}
                              {!at && "It now has"} quantity {formatNumber(editing.conflict.quantity)}, reserved{" "}
                              {formatNumber(editing.conflict.reserved)}, available{" "}
                              {formatNumber(editing.conflict.available)}, threshold{" "}
                              {formatNumber(editing.conflict.lowStockThreshold)}, limit per buyer{" "}
                              {formatNumber(editing.conflict.purchaseLimit)} (updated{" "}
                              {formatTime(editing.conflict.updatedAt)}). Your change was not saved. Save again to
                              replace their values with yours, or cancel to keep theirs.
                            </div>
                          )}
                          {!quantityEditable && (
                            <p className="notice small edit-hint">
                              Quantities are kept per location: choose one under Location above to change its quantity.
                              Here: threshold, limit per buyer and titles.
                            </p>
                          )}
                          {quantityEditable && (
                            <label>
                              Reason
                              <select
                                name="reason"
                                value={editing.reason}
                                className={fieldError("reason") ? "invalid" : undefined}
                                onChange={(event) =>
                                  setEditing({ ...editing, reason: event.target.value as EditReason | "" })
                                }
                              >
                                <option value="">Choose…</option>
                                {EDIT_REASONS.map((reason) => (
                                  <option key={reason} value={reason}>
                                    {EDIT_REASON_LABELS[reason]}
                                  </option>
                                ))}
                              </select>
                            </label>
                          )}
                          <label>
                            Product title
                            <input
                              name="productTitle"
                              maxLength={TITLE_MAX}
                              placeholder={row.productId}
                              className={fieldError("productTitle") ? "invalid" : undefined}
                              value={editing.productTitle}
                              onChange={(event) => setEditing({ ...editing, productTitle: event.target.value })}
                            />
                          </label>
                          <label>
                            Variant title
                            <input
                              name="variantTitle"
                              maxLength={TITLE_MAX}
                              placeholder={variantTitles({ ...row, variantTitle: "" }).variant || "none"}
                              className={fieldError("variantTitle") ? "invalid" : undefined}
                              value={editing.variantTitle}
                              onChange={(event) => setEditing({ ...editing, variantTitle: event.target.value })}
                            />
                          </label>
                          {quantityEditable && (
                            <label className="grow">
                              Note
                              <input
                                name="note"
                                maxLength={NOTE_MAX_LENGTH}
                                placeholder="Optional: what happened"
                                value={editing.note}
                                onChange={(event) => setEditing({ ...editing, note: event.target.value })}
                              />
                            </label>
                          )}
                          <button type="submit" className="button button-primary" disabled={editing.saving}>
                            {editing.saving ? "Saving…" : editing.conflict ? "Save mine anyway" : "Save"}
                          </button>
                          <button
                            type="button"
                            className="button"
                            onClick={() => setEditing(undefined)}
                            disabled={editing.saving}
                          >
                            Cancel
                          </button>
                          {editing.error && (
                            <div className="error-box" role="alert">
                              {describeApiError(editing.error)}
                            </div>
                          )}
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
      <div className="pager">
        <button
          type="button"
          className="button"
          disabled={page.offset === 0 || loading}
          onClick={() => setState((s) => ({ ...s, offset: Math.max(0, s.offset - GRID_PAGE_SIZE) }))}
        >
          ← Previous
        </button>
        <span className="muted">
          Page {formatNumber(Math.floor(page.offset / GRID_PAGE_SIZE) + 1)} of{" "}
          {formatNumber(Math.max(1, Math.ceil(page.total / GRID_PAGE_SIZE)))}
        </span>
        <button
          type="button"
          className="button"
          disabled={page.offset + GRID_PAGE_SIZE >= page.total || loading}
          onClick={() => setState((s) => ({ ...s, offset: s.offset + GRID_PAGE_SIZE }))}
        >
          Next →
        </button>
      </div>
    </section>
  );
}
