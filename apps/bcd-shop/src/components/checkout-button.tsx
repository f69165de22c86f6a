"use client";
import { postCheckout, type CartCookieLine, type CheckoutAnswer } from "@acme/platform-core/universal";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";

/** What went wrong, in the buyer's words, with the lines to name when there are any. */
interface Problem {
  message: string;
  details: string[];
}

/** This shop's wording of what the checkout answered when it did not go ahead. */
function describe(answer: Exclude<CheckoutAnswer, { kind: "ready" | "preparing" }>): Problem {
  switch (answer.kind) {
    case "sold_out":
      return {
        message: answer.message,
        details: answer.items.map((item) =>
          item.available > 0
            ? `${item.name}: only ${item.available} left (you asked for ${item.requested}).`
            : `${item.name} sold out.`,
        ),
      };
    case "busy": {
      const minutes = answer.retryAfterSeconds ? Math.ceil(answer.retryAfterSeconds / 60) : null;
      return {
        message: `${answer.cap === "units" ? "You have too many items set aside in open checkouts" : "You have too many checkouts open at once"}. Finish or cancel one${minutes ? `, or try again in ${minutes} minute${minutes === 1 ? "" : "s"}` : ", then try again"}.`,
        details: [],
      };
    }
    case "invalid":
      return { message: answer.message, details: answer.errors.map((error) => `${error.field}: ${error.message}`) };
    default:
      return { message: answer.message, details: [] };
  }
}

/**
 * Sends the cart to checkout and the buyer on to the payment page, or says
 * why not. `blockedReason` keeps it disabled while the cart has lines that
 * cannot be bought as they are.
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
  const [held, setHeld] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  // One key per cart as shown: a double click or a retry is the same checkout, held once.
  const attempt = useRef<{ cart: string; key: string } | null>(null);

  async function checkout() {
    setPending(true);
    setProblem(null);
    const cart = JSON.stringify(lines);
    if (attempt.current?.cart !== cart) attempt.current = { cart, key: crypto.randomUUID() };
    const answer = await postCheckout({ lines, idempotencyKey: attempt.current.key });
    if (answer.kind === "ready" || answer.kind === "preparing") {
      if (answer.kind === "preparing") {
        // Held while Stripe is busy: the link waits for the payment page.
        const until = answer.holdExpiresAt;
        setHeld(
          `Your items are set aside${until ? ` until ${until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : ""}. Preparing the payment page…`,
        );
      }
      window.location.assign(answer.url);
      return;
    }
    // Sold out since the page was drawn: redraw the cart with live stock beside the message.
    if (answer.kind === "sold_out") router.refresh();
    setProblem(describe(answer));
    setPending(false);
  }

  return (
    <div className="checkout">
      <button
        type="button"
        className="primary wide"
        onClick={() => void checkout()}
        disabled={pending || blockedReason !== undefined}
      >
        {held ? "Preparing payment…" : pending ? "Starting checkout…" : "Checkout"}
      </button>
      {blockedReason ? <p className="fine">{blockedReason}</p> : null}
      {held ? (
        <p className="notice" role="status">
          {held}
        </p>
      ) : null}
      {problem ? (
        <div className="notice notice-bad" role="alert">
          <strong>{problem.message}</strong>
          {problem.details.length ? (
            <ul>
              {problem.details.map((detail) => (
                <li key={detail}>{detail}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
