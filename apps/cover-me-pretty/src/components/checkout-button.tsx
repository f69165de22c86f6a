"use client";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { postCheckout, type CartCookieLine, type CheckoutAnswer } from "@acme/platform-core/universal";

/** What the buyer is shown when checkout does not go ahead (the library's answer, worded for this shop). */
type Problem = Exclude<CheckoutAnswer, { kind: "ready" | "preparing" }>;

/** This shop's wording of a cap on holds: which cap, and when one frees. */
function busyMessage(answer: Extract<CheckoutAnswer, { kind: "busy" }>): string {
  const minutes = answer.retryAfterSeconds ? Math.ceil(answer.retryAfterSeconds / 60) : null;
  return (
    (answer.cap === "units"
      ? "You have too many items set aside in open checkouts."
      : "You have too many checkouts open at once.") +
    (minutes
      ? ` Finish or cancel one, or try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`
      : " Finish or cancel one, then try again.")
  );
}

/**
 * Posts the cart to /api/checkout-session and sends the buyer to the payment
 * page, or says clearly why not. `blockedReason` disables it while the cart
 * holds lines that cannot be bought as they are.
 */
export function CheckoutButton({
  lines,
  blockedReason,
}: {
  lines: CartCookieLine[];
  blockedReason?: string | undefined;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [held, setHeld] = useState<string | null>(null);
  // One key per cart on this page: a retry of the same cart (a double click,
  // a timeout) is the same checkout, held and counted once.
  const attempt = useRef<{ cart: string; key: string } | null>(null);

  async function checkout() {
    setPending(true);
    setProblem(null);
    const cart = JSON.stringify(lines);
    if (attempt.current?.cart !== cart) attempt.current = { cart, key: crypto.randomUUID() };
    const answer = await postCheckout({ lines, idempotencyKey: attempt.current.key });
    if (answer.kind === "ready" || answer.kind === "preparing") {
      if (answer.kind === "preparing") {
        // Held, and Stripe is busy: say so, then follow the link, which waits for the payment page.
        const until = answer.holdExpiresAt;
        setHeld(
          `Your items are held${until ? ` until ${until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : ""}. Preparing the payment page…`,
        );
      }
      window.location.assign(answer.url);
      return;
    }
    setProblem(answer.kind === "busy" ? { ...answer, message: busyMessage(answer) } : answer);
    // Sold out since the page was drawn: re-render the cart with live availability beside the message.
    if (answer.kind === "sold_out") router.refresh();
    setPending(false);
  }

  return (
    <div className="checkout">
      <button type="button" onClick={() => void checkout()} disabled={pending || blockedReason !== undefined}>
        {held ? "Preparing payment…" : pending ? "Starting checkout…" : "Checkout"}
      </button>
      {blockedReason ? <p className="muted blocked">{blockedReason}</p> : null}
      {held ? (
        <div className="alert info" role="status">
          {held}
        </div>
      ) : null}
      {problem ? (
        <div className="alert error" role="alert">
          <strong>{problem.message}</strong>
          {problem.kind === "sold_out" ? (
            <ul>
              {problem.items.map((item) => (
                <li key={item.name}>
                  {item.available === 0
                    ? `${item.name} sold out.`
                    : `${item.name}: only ${item.available} left (you asked for ${item.requested}).`}
                </li>
              ))}
            </ul>
          ) : null}
          {problem.kind === "invalid" ? (
            <ul>
              {problem.errors.map((error) => (
                <li key={error.field}>
                  {error.field}: {error.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
