import { operatorMay } from "@acme/platform-core";
import { requirePageOperator } from "@/lib/auth/guards";
import { shopPath } from "@/app/cms/_lib/format";
import { ImportPanel } from "@/components/import-panel";

export const dynamic = "force-dynamic";

/** Upload a stock file (preview, then apply all-or-nothing) and download the shop's stock. */
export default async function ImportExportPage({ params }: { params: Promise<{ shop: string }> }) {
  const { shop } = await params;
  const shopId = decodeURIComponent(shop);
  const operator = await requirePageOperator({
    shop: shopId,
    role: "viewer",
    next: shopPath(shopId, "/data/import-export"),
  });
  const canEdit = operatorMay(operator, "edit", shopId);
  const exportUrl = (format: string) => `/api/shops/${encodeURIComponent(shopId)}/export?format=${format}`;
  return (
    <>
      <div className="page-head">
        <h1>Import / export · {shopId}</h1>
        {!canEdit && <p className="notice">You have read-only access: you can preview a file, but not apply it.</p>}
      </div>
      <section className="card">
        <h2>Export stock</h2>
        <p className="muted">
          Every variant of the shop, a row per location that keeps it (the <code>location</code> column). Importing the
          file again changes nothing.
        </p>
        <p className="button-row">
          <a className="button" href={exportUrl("csv")} download>
            Download CSV
          </a>
          <a className="button" href={exportUrl("json")} download>
            Download JSON
          </a>
        </p>
      </section>
      <ImportPanel shopId={shopId} canEdit={canEdit} />
    </>
  );
}
