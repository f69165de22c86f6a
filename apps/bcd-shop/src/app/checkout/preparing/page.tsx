import { LocalTime } from "@/components/local-time.tsx";

export const dynamic = "force-dynamic";

/**
 * Shown while Stripe is busy: the items are the buyer's until the time shown,
 * and the page returns to the payment link by itself, which goes on to Stripe
 * as soon as the payment page exists.
 */
export default async function PreparingPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const token = typeof params.t === "string" ? params.t : "";
  const until = typeof params.until === "string" ? new Date(params.until) : null;
  const retry = Math.min(Math.max(Number(params.retry) || 1, 1), 10);
  const next = `/checkout/pay?t=${encodeURIComponent(token)}`;
  return (
    <section className="page-head status-page">
      {/* The URL carries the link's token: no request from this page may name it. */}
      <meta name="referrer" content="no-referrer" />
      {token ? <meta httpEquiv="refresh" content={`${retry};url=${next}`} /> : null}
      <p className="eyebrow">Checkout</p>
      <h1>Your items are set aside.</h1>
      <p className="lede">
        {until && !Number.isNaN(until.getTime()) ? (
          <>
            They are yours until <LocalTime iso={until.toISOString()} />.{" "}
          </>
        ) : null}
        The payment page is being prepared while many people check out. This page moves on by itself.
      </p>
      <p className="actions">
        <a className="button primary" href={next}>
          Go to payment
        </a>
        <a className="button secondary" href="/cart">
          Back to cart
        </a>
      </p>
    </section>
  );
}
