import { LocalTime } from "@/components/local-time.tsx";

export const dynamic = "force-dynamic";

/**
 * Shown while Stripe is busy (its rate limits, an outage): the items are the
 * buyer's until the time shown, and the page comes back to the payment link
 * by itself, which sends the browser on to Stripe as soon as the page exists.
 */
export default async function CheckoutPreparingPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const token = typeof params.t === "string" ? params.t : "";
  const until = typeof params.until === "string" ? new Date(params.until) : null;
  const retry = Math.min(Math.max(Number(params.retry) || 1, 1), 10);
  const next = `/checkout/pay?t=${encodeURIComponent(token)}`;
  const known = until !== null && !Number.isNaN(until.getTime());
  return (
    <>
      {/* The page's URL carries the payment link's token: no request from it names the page. */}
      <meta name="referrer" content="no-referrer" />
      {token ? <meta httpEquiv="refresh" content={`${retry};url=${next}`} /> : null}
      <h1>Your items are held</h1>
      <div className="alert info" role="status">
        {known ? (
          <>
            They are set aside for you until <LocalTime iso={until.toISOString()} />.{" "}
          </>
        ) : (
          "They are set aside for you. "
        )}
        The payment page is being prepared; many people are checking out right now. This page moves on by itself in a
        moment.
      </div>
      <p className="actions">
        <a className="button" href={next}>
          Go to payment
        </a>
        <a href="/cart">Back to cart</a>
      </p>
    </>
  );
}
