"use client";
import type { CartCookieLine } from "@acme/platform-core/universal";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";

/** What went wrong, in the buyer's words, with the lines to name when there are any. */
interface Problem {
  message: string;
  details: string[];
}

/**
 * What an answer of POST /api/checkout-session means for the buyer: the
 * payment page's address to go to, or a problem to show.
 */
async function readAnswer(response: Response): Promise<{ go: string; held?: string } | Problem> {
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  const message = typeof body.message === "string" ? body.message : undefined;
  if (response.ok && typeof body.url === "string") {
    if (response.status !== 202) return { go: body.url };
    // Held while Stripe is busy: the link waits for the payment page.
    const until = typeof body.holdExpiresAt === "string" ? new Date(body.holdExpiresAt) : null;
    const time = until && !Number.isNaN(until.getTime()) ? ` until ${until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : "";
    return { go: body.url, held: `Your items are set aside${time}. Preparing the payment page…` };
  }
  switch (response.status) {
    case 409: {
      const items = Array.isArray(body.items) ? (body.items as Array<{ name?: unknown; requested?: unknown; available?: unknown }>) : [];
      return {
        message: message ?? "Some items sold out.",
        details: items.map((item) =>
          Number(item.available) > 0 ? `${String(item.name)}: only ${Number(item.available)} left (you asked for ${Number(item.requested)}).` : `${String(item.name)} sold out.`,
        ),
      };
    }
    case 422:
      return { message: message ?? "This order cannot be taken as it is.", details: [] };
    case 429: {
      const seconds = Number(response.headers.get("retry-after"));
      const minutes = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds / 60) : null;
      return {
        message: `${body.cap === "units" ? "You have too many items set aside in open checkouts" : "You have too many checkouts open at once"}. Finish or cancel one${minutes ? `, or try again in ${minutes} minute${minutes === 1 ? "" : "s"}` : ", then try again"}.`,
        details: [],
      };
    }
    case 400: {
      const errors = Array.isArray(body.errors) ? (body.errors as Array<{ field?: unknown; message?: unknown }>) : [];
      return { message: message ?? "The cart could not be read.", details: errors.map((error) => `${String(error.field)}: ${String(error.message)}`) };
    }
    default:
      return { message: message ?? "Checkout is unavailable right now. Nothing was charged; please try again shortly.", details: [] };
  }
}

/**
 * Sends the cart to checkout and the buyer on to the payment page, or says
 * why not. `blockedReason` keeps it disabled while the cart has lines that
 * cannot be bought as they are.
 */
export function CheckoutButton({ lines, blockedReason }: { lines: CartCookieLine[]; blockedReason?: string | undefined }) {
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
    let answer: Awaited<ReturnType<typeof readAnswer>>;
    try {
      const response = await fetch("/api/checkout-session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ lines, idempotencyKey: attempt.current.key }),
      });
      answer = await readAnswer(response);
      // Sold out since the page was drawn: redraw the cart with live stock beside the message.
      if (response.status === 409) router.refresh();
    } catch {
      answer = { message: "Could not reach the shop. Nothing was charged; please try again.", details: [] };
    }
    if ("go" in answer) {
      if (answer.held) setHeld(answer.held);
      window.location.assign(answer.go);
      return;
    }
    setProblem(answer);
    setPending(false);
  }

  return (
    <div className="checkout">
      <button type="button" className="primary wide" onClick={() => void checkout()} disabled={pending || blockedReason !== undefined}>
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
