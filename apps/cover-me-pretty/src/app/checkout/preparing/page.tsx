export const dynamic = "force-dynamic";

/**
 * Shown while Stripe is busy (its rate limits, an outage): the items are the
 * buyer's until the time shown, and the page comes back to the payment link
 * by itself, which sends the browser on to Stripe as soon as the page exists.
 */
export default async function CheckoutPreparingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const token = typeof params.t === "string" ? params.t : "";
  const until = typeof params.until === "string" ? new Date(params.until) : null;
  const retry = Math.min(Math.max(Number(params.retry) || 1, 1), 10);
  const next = `/checkout/pay?t=${encodeURIComponent(token)}`;
  const time = until && !Number.isNaN(until.getTime()) ? until.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" }) : null;
  return (
    <>
      {token ? <meta httpEquiv="refresh" content={`${retry};url=${next}`} /> : null}
      <h1>Your items are held</h1>
      <div className="alert info" role="status">
        {time ? `They are set aside for you until ${time} UTC. ` : "They are set aside for you. "}
        The payment page is being prepared; many people are checking out right now. This page moves on by itself in a moment.
      </div>
      <p>
        <a className="button" href={next}>
          Go to payment
        </a>{" "}
        <a href="/cart">Back to cart</a>
      </p>
    </>
  );
}
