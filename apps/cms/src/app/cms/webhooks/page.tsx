import { listStockEventSubscriptions, STOCK_EVENT_TYPES } from "@acme/platform-core";
import { requirePageOperator } from "@/lib/auth/guards";
import { WebhookForm } from "@/components/webhooks/webhook-form";
import { WebhooksTable } from "@/components/webhooks/webhooks-table";

export const dynamic = "force-dynamic";

/** Stock event webhooks: subscribe a URL to shops' stock events, watch its lag, pause, rotate, delete. Admins only. */
export default async function WebhooksPage() {
  const operator = await requirePageOperator({ role: "admin", next: "/cms/webhooks" });
  const webhooks = await listStockEventSubscriptions();
  return (
    <>
      <h1>Webhooks</h1>
      <p className="small">
        URLs that receive the shops&apos; stock events (holds, sales, edits, transfers) as signed batches, in order, at
        least once. See docs/stock-events.md.
      </p>
      <WebhookForm shops={operator.shops} kinds={STOCK_EVENT_TYPES} />
      <h2>All webhooks</h2>
      <WebhooksTable webhooks={webhooks} kinds={STOCK_EVENT_TYPES} />
    </>
  );
}
