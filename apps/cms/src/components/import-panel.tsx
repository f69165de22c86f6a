"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { variantDisplayName } from "@acme/platform-core/universal";
import { formatNumber } from "@/app/cms/_lib/format";
import { apiErrorFromBody, describeApiError, type ApiError } from "./api-error";

type Format = "csv" | "json";

interface Snapshot {
  productId: string;
  productTitle: string;
  variantTitle: string;
  quantity: number;
  lowStockThreshold: number | null;
  purchaseLimit: number | null;
  variantAttributes: Record<string, string>;
}

interface Change {
  line: number;
  sku: string;
  variantKey: string;
  /** The location the row's quantity is at. */
  location: string;
  action: "create" | "update" | "unchanged";
  before?: Snapshot;
  after: Snapshot;
}

interface ImportResult {
  dryRun: boolean;
  created: number;
  updated: number;
  unchanged: number;
  /** Rows that change first, then unchanged ones; at most `listed` of all `rows`. */
  changes: Change[];
  listed: number;
  rows: number;
}

type Phase =
  | { name: "idle" }
  | { name: "uploading"; mode: "preview" | "apply"; loaded: number; total: number }
  | { name: "server"; mode: "preview" | "apply"; since: number }
  | { name: "previewed"; result: ImportResult }
  | { name: "applied"; result: ImportResult }
  | { name: "failed"; mode: "preview" | "apply"; error: ApiError };

const MAX_BYTES = 5 * 1024 * 1024;
const SHOWN_ROWS = 2000;

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";
}

/**
 * Sends the file with XMLHttpRequest rather than fetch: only XHR reports
 * upload progress in browsers today.
 */
function send(
  url: string,
  file: File,
  format: Format,
  onUpload: (loaded: number, total: number) => void,
  onUploaded: () => void,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("content-type", format === "csv" ? "text/csv" : "application/json");
    xhr.setRequestHeader("x-csrf-token", csrfToken());
    xhr.responseType = "text";
    xhr.upload.onprogress = (event) => onUpload(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.upload.onload = () => onUploaded();
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        // Not JSON: described by status below.
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () =>
      resolve({
        status: 0,
        body: { code: "network", message: "The server could not be reached. Nothing was changed." },
      });
    xhr.send(file);
  });
}

/** The library's `context[i]`: the sku of the row `errors[i]` is about, and the value it found there. */
function errorContext(error: ApiError, index: number): { sku?: string; value?: string } {
  const context = (error.body as { context?: unknown } | undefined)?.context;
  const entry = Array.isArray(context) ? (context[index] as { sku?: unknown; value?: unknown } | undefined) : undefined;
  return {
    ...(typeof entry?.sku === "string" ? { sku: entry.sku } : {}),
    ...(typeof entry?.value === "string" ? { value: entry.value } : {}),
  };
}

export function ImportPanel({ shopId, canEdit }: { shopId: string; canEdit: boolean }) {
  const [file, setFile] = useState<File>();
  const [format, setFormat] = useState<Format>("csv");
  const [phase, setPhase] = useState<Phase>({ name: "idle" });
  // The preview stays on screen while it is being applied.
  const [lastPreview, setLastPreview] = useState<ImportResult>();
  const [changesOnly, setChangesOnly] = useState(true);
  const [now, setNow] = useState(0);
  const busy = phase.name === "uploading" || phase.name === "server";

  // Tick while the server works, to show elapsed time.
  useEffect(() => {
    if (phase.name !== "server") return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [phase.name]);

  async function run(mode: "preview" | "apply") {
    if (!file) return;
    if (file.size > MAX_BYTES) {
      setPhase({
        name: "failed",
        mode,
        error: {
          status: 413,
          code: "payload_too_large",
          message: `The file is ${(file.size / 1048576).toFixed(1)} MB; the limit is 5 MB. Split it into smaller files.`,
        },
      });
      return;
    }
    setPhase({ name: "uploading", mode, loaded: 0, total: file.size });
    const { status, body } = await send(
      `/api/shops/${encodeURIComponent(shopId)}/import?format=${format}&mode=${mode}`,
      file,
      format,
      (loaded, total) => setPhase({ name: "uploading", mode, loaded, total }),
      () => {
        setNow(Date.now());
        setPhase({ name: "server", mode, since: Date.now() });
      },
    );
    if (status >= 200 && status < 300) {
      const result = body as unknown as ImportResult;
      if (mode === "preview") setLastPreview(result);
      setPhase(mode === "preview" ? { name: "previewed", result } : { name: "applied", result });
      return;
    }
    setPhase({ name: "failed", mode, error: apiErrorFromBody(status, body) });
  }

  const preview =
    phase.name === "previewed" || phase.name === "applied"
      ? phase.result
      : (phase.name === "uploading" || phase.name === "server") && phase.mode === "apply"
        ? lastPreview
        : undefined;
  const shown = preview ? preview.changes.filter((change) => !changesOnly || change.action !== "unchanged") : [];

  return (
    <section className="card import-panel">
      <h2>Import stock</h2>
      <p className="muted">
        CSV columns <code>sku,productId,quantity</code>, optionally{" "}
        {/* Break points after the commas: the list is wider than a phone. */}
        <code>
          productTitle,
          <wbr />
          variantTitle,
          <wbr />
          lowStockThreshold,
          <wbr />
          purchaseLimit,
          <wbr />
          location
        </code>
        , and one <code>variant.&lt;attribute&gt;</code> column per attribute, or the JSON an export gives. A column
        left out keeps what is there; an empty threshold or limit cell means none. <code>purchaseLimit</code> is the
        most units one buyer may have of a variant (1 or more). <code>location</code> is the code of the location the
        row&apos;s quantity is at (<code>main</code> when the column is left out or the cell is empty); a variant kept
        at several locations has a row for each. Quantities are set absolutely; variants and locations missing from the
        file are left alone. Up to 5 MB.
      </p>
      <div className="import-controls">
        <input
          type="file"
          name="file"
          aria-label="Stock file"
          accept=".csv,.json,text/csv,application/json"
          disabled={busy}
          onChange={(event) => {
            const chosen = event.target.files?.[0];
            setFile(chosen);
            if (chosen) setFormat(chosen.name.toLowerCase().endsWith(".json") ? "json" : "csv");
            setPhase({ name: "idle" });
            setLastPreview(undefined);
          }}
        />
        <label>
          Format
          <select
            name="format"
            value={format}
            disabled={busy}
            onChange={(event) => setFormat(event.target.value as Format)}
          >
            <option value="csv">CSV</option>
            <option value="json">JSON</option>
          </select>
        </label>
        <button type="button" className="button" disabled={!file || busy} onClick={() => void run("preview")}>
          Preview changes
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={!file || busy || phase.name !== "previewed" || !canEdit}
          title={canEdit ? "Applies every row or none" : "Viewers cannot change stock"}
          onClick={() => void run("apply")}
        >
          Apply import
        </button>
      </div>

      {phase.name === "uploading" && (
        <div className="progress-block" role="status">
          <progress max={phase.total || 1} value={phase.loaded} aria-label="Upload progress" />
          <span>
            Uploading… {Math.round((phase.loaded / Math.max(phase.total, 1)) * 100)}% (
            {formatNumber(Math.round(phase.loaded / 1024))} of {formatNumber(Math.round(phase.total / 1024))} KB)
          </span>
        </div>
      )}
      {phase.name === "server" && (
        <div className="progress-block" role="status">
          <progress aria-label="Server progress" />
          <span>
            {phase.mode === "preview"
              ? "Checking every row against current stock…"
              : "Applying all rows in one transaction…"}{" "}
            {Math.max(0, Math.floor((now - phase.since) / 1000))} s
          </span>
        </div>
      )}

      {phase.name === "failed" && (
        <div className="error-box" role="alert" data-testid="import-errors">
          <p>
            <strong>
              {phase.mode === "apply"
                ? "Import rejected; nothing was changed."
                : "The file cannot be imported; nothing was changed."}
            </strong>{" "}
            {phase.error.errors?.length ? phase.error.message : describeApiError(phase.error)}
          </p>
          {phase.error.errors && phase.error.errors.length > 0 && (
            <table className="table compact">
              <thead>
                <tr>
                  <th className="num">Line</th>
                  <th>SKU</th>
                  <th>Field</th>
                  <th>Value in the file</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                {phase.error.errors.map((error, index) => {
                  const quoted = errorContext(phase.error, index);
                  return (
                    <tr key={index} className="import-error">
                      <td className="num">{error.line ?? "—"}</td>
                      <td className="mono">{quoted.sku ?? "—"}</td>
                      <td className="mono">{error.field}</td>
                      <td className="mono quoted">
                        {quoted.value === undefined ? (
                          "—"
                        ) : quoted.value === "" ? (
                          <span className="muted">(empty)</span>
                        ) : (
                          quoted.value
                        )}
                      </td>
                      <td>{error.message}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>
      )}

      {preview && (
        <div className="preview">
          <p className={phase.name === "applied" ? "success-box" : "notice"} role="status" data-testid="import-summary">
            {phase.name === "applied" ? "Imported: " : "Preview (nothing changed yet): "}
            <strong>{formatNumber(preview.created)}</strong> to create, <strong>{formatNumber(preview.updated)}</strong>{" "}
            to update, <strong>{formatNumber(preview.unchanged)}</strong> unchanged.
            {phase.name === "applied" && (
              <>
                {" "}
                <Link href={`/cms/shop/${encodeURIComponent(shopId)}/data/inventory`}>See the stock grid</Link>
              </>
            )}
          </p>
          <label className="inline-check">
            <input type="checkbox" checked={changesOnly} onChange={(event) => setChangesOnly(event.target.checked)} />{" "}
            Only rows that change
          </label>
          <div className="table-scroll">
            <table className="table preview-table">
              <thead>
                <tr>
                  <th className="num">Line</th>
                  <th>Variant</th>
                  <th>SKU</th>
                  <th>Location</th>
                  <th>Action</th>
                  <th className="num">Quantity</th>
                  <th className="num">Low-stock threshold</th>
                  <th className="num">Limit per buyer</th>
                </tr>
              </thead>
              <tbody>
                {shown.length === 0 && (
                  <tr>
                    <td colSpan={8} className="empty">
                      Nothing changes.
                    </td>
                  </tr>
                )}
                {shown.slice(0, SHOWN_ROWS).map((change) => (
                  <tr
                    key={change.line}
                    className={`action-${change.action}`}
                    data-sku={change.sku}
                    data-variant-key={change.variantKey}
                    data-location={change.location}
                  >
                    <td className="num">{change.line}</td>
                    <td>
                      <BeforeAfter
                        before={change.before && variantDisplayName(change.before)}
                        after={variantDisplayName(change.after)}
                      />
                    </td>
                    <td className="mono">{change.sku}</td>
                    <td className="mono">{change.location}</td>
                    <td>
                      <span className={`badge badge-action-${change.action}`}>{change.action}</span>
                    </td>
                    <td className="num">
                      <BeforeAfter before={change.before?.quantity} after={change.after.quantity} />
                    </td>
                    <td className="num">
                      <BeforeAfter before={change.before?.lowStockThreshold} after={change.after.lowStockThreshold} />
                    </td>
                    <td className="num">
                      <BeforeAfter before={change.before?.purchaseLimit} after={change.after.purchaseLimit} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {(shown.length > SHOWN_ROWS || preview.listed < preview.rows) && (
            <p className="muted">
              Listing {formatNumber(Math.min(shown.length, SHOWN_ROWS))} of the file&apos;s {formatNumber(preview.rows)}{" "}
              rows (those that change first); the counts above cover the whole file.
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function BeforeAfter({ before, after }: { before: string | number | null | undefined; after: string | number | null }) {
  const show = (value: string | number | null | undefined) =>
    value === null || value === undefined ? "—" : typeof value === "number" ? formatNumber(value) : value;
  if (before === undefined || before === after) return <>{show(after)}</>;
  return (
    <span className="changed">
      <del>{show(before)}</del> → <ins>{show(after)}</ins>
    </span>
  );
}
