"use client";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import type { CartCookieLine } from "@acme/platform-core/universal";

type Problem =
  | { kind: "sold_out"; message: string; items: Array<{ name: string; requested: number; available: number }> }
  | { kind: "invalid"; message: string; errors: Array<{ field: string; message: string }> }
  | { kind: "limited"; message: string }
  | { kind: "busy"; message: string }
  | { kind: "unavailable"; message: string };

/**
 * Posts the cart to /api/checkout-session and sends the buyer to the payment
 * page, or says clearly why not. `blockedReason` disables it while the cart
 * holds lines that cannot be bought as they are.
 */
export function CheckoutButton({ lines, blockedReason }: { lines: CartCookieLine[]; blockedReason?: string | undefined }) {
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
    try {
      const response = await fetch("/api/checkout-session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ lines, idempotencyKey: attempt.current.key }),
      });
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      const message = typeof body.message === "string" ? body.message : undefined;
      if (response.status === 202 && typeof body.url === "string") {
        // Held, and Stripe is busy: say so, then follow the link, which waits for the payment page.
        const until = typeof body.holdExpiresAt === "string" ? new Date(body.holdExpiresAt) : null;
        setHeld(`Your items are held${until ? ` until ${until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : ""}. Preparing the payment page…`);
        window.location.assign(body.url);
        return;
      }
      if (response.ok && typeof body.url === "string") {
        window.location.assign(body.url);
        return;
      }
      if (response.status === 409 && Array.isArray(body.items)) {
        setProblem({ kind: "sold_out", message: message ?? "Some items sold out.", items: body.items as never });
        // Re-render the cart with live availability beside the message.
        router.refresh();
      } else if (response.status === 422 && body.code === "payment_rejected") {
        setProblem({ kind: "unavailable", message: message ?? "The payment provider could not take this order." });
      } else if (response.status === 422) {
        setProblem({ kind: "limited", message: message ?? "Some items are limited per customer." });
      } else if (response.status === 429) {
        const wait = Number(response.headers.get("retry-after"));
        const minutes = Number.isFinite(wait) && wait > 0 ? Math.ceil(wait / 60) : null;
        setProblem({
          kind: "busy",
          message:
            (body.cap === "units" ? "You have too many items set aside in open checkouts." : "You have too many checkouts open at once.") +
            (minutes ? ` Finish or cancel one, or try again in ${minutes} minute${minutes === 1 ? "" : "s"}.` : " Finish or cancel one, then try again."),
        });
      } else if (response.status === 400 && Array.isArray(body.errors)) {
        setProblem({ kind: "invalid", message: message ?? "The cart is not valid.", errors: body.errors as never });
      } else {
        setProblem({ kind: "unavailable", message: message ?? "Checkout is unavailable right now. Nothing was charged; please try again shortly." });
      }
    } catch {
      setProblem({ kind: "unavailable", message: "Could not reach the shop. Nothing was charged; please try again." });
    }
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
