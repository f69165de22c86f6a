const MESSAGES: Record<string, { title: string; body: string }> = {
  lapsed: {
    title: "Your checkout timed out",
    body: "The items were set aside for a few minutes for you to reach the payment page, and that time ran out, so they went back on the shelf. Nothing was charged. Your cart is still here: check out again to set them aside once more.",
  },
  invalid: {
    title: "This payment link does not work",
    body: "It may have been copied only in part. Nothing was charged. Your cart is still here: check out again for a new link.",
  },
  rejected: {
    title: "The payment provider could not take this order",
    body: "It refused the checkout itself (for example an amount too small to charge), so trying again will not help. Nothing was charged, and the items went back on the shelf. Please change your cart, or contact the shop.",
  },
  not_prepared: {
    title: "The payment page could not be prepared",
    body: "The payment provider did not make the page in time, so the items went back on the shelf. Nothing was charged. Your cart is still here: check out again.",
  },
  unavailable: {
    title: "The payment page could not be opened",
    body: "The shop could not reach its stock just now. Nothing was charged. Please go back to your cart and try again in a moment.",
  },
};

export const dynamic = "force-dynamic";

export default async function CheckoutLapsedPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const reason = (await searchParams).reason;
  const message = MESSAGES[typeof reason === "string" ? reason : ""] ?? MESSAGES.lapsed!;
  return (
    <>
      <h1>{message.title}</h1>
      <div className="alert info" role="status">
        {message.body}
      </div>
      <a className="button" href="/cart">
        Back to cart
      </a>
    </>
  );
}
