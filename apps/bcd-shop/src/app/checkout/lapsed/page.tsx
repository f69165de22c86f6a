/** Why a payment link did not lead to payment; in every case nothing was charged. */
const REASONS: Record<string, { title: string; body: string }> = {
  lapsed: {
    title: "Your checkout timed out.",
    body: "Your items were set aside for a few minutes to reach the payment page, and that time ran out, so they went back on the shelf. Nothing was charged. Your cart is still here: check out again to set them aside once more.",
  },
  invalid: {
    title: "This payment link does not work.",
    body: "It may have been copied only in part. Nothing was charged. Your cart is still here: check out again for a new link.",
  },
  rejected: {
    title: "The payment provider refused this order.",
    body: "It turned down the checkout itself (an amount too small to charge, say), so trying again will not help. Nothing was charged and the items went back on the shelf. Change your cart, or write to us.",
  },
  not_prepared: {
    title: "The payment page could not be prepared.",
    body: "The payment provider did not make the page in time, so the items went back on the shelf. Nothing was charged. Your cart is still here: check out again.",
  },
  unavailable: {
    title: "The payment page could not be opened.",
    body: "The shop could not reach its stock just now. Nothing was charged. Go back to your cart and try again in a moment.",
  },
};

export const dynamic = "force-dynamic";

export default async function LapsedPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { reason } = await searchParams;
  const message = REASONS[typeof reason === "string" && Object.hasOwn(REASONS, reason) ? reason : "lapsed"]!;
  return (
    <section className="page-head status-page">
      <p className="eyebrow">Checkout</p>
      <h1>{message.title}</h1>
      <p className="lede">{message.body}</p>
      <p className="actions">
        <a className="button primary" href="/cart">
          Back to cart
        </a>
      </p>
    </section>
  );
}
