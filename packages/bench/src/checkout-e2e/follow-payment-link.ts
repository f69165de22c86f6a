// How a browser reaches Stripe's page from the shop's answer (the logic of
// apps/cover-me-pretty/test/e2e/follow-payment-link.ts, which a package may
// not import): follow the payment link; while the session is being prepared
// the shop sends the browser to /checkout/preparing, which comes back to the
// link after `retry` seconds.

export type FollowedLink =
  | {
      reached: true;
      /** Stripe's hosted page. */
      location: string;
      sessionId: string;
      /** Times the buyer was shown the "being prepared" page. */
      waits: number;
      /** When the answer naming Stripe's page arrived (`performance.now()`). */
      at: number;
    }
  /** Sent somewhere else (`/checkout/lapsed?reason=…`), an answer that was not a redirect, or still preparing at the deadline. */
  | { reached: false; reason: string; waits: number };

export async function followPaymentLink(shopUrl: string, link: string, options: { deadline: number; headers?: Record<string, string> }): Promise<FollowedLink> {
  let waits = 0;
  for (;;) {
    let response: Response;
    try {
      response = await fetch(new URL(link, shopUrl), { redirect: "manual", ...(options.headers ? { headers: options.headers } : {}) });
    } catch (error) {
      return { reached: false, reason: `fetch failed: ${error instanceof Error ? error.message : String(error)}`, waits };
    }
    const at = performance.now();
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (response.status !== 303 || !location) return { reached: false, reason: `the payment link answered ${response.status}`, waits };
    if (!location.startsWith("/checkout/preparing")) {
      if (location.startsWith("/")) return { reached: false, reason: `sent to ${location.split("&")[0]}`, waits };
      return { reached: true, location, sessionId: location.split("/").pop()!.split("?")[0]!, waits, at };
    }
    waits += 1;
    if (Date.now() > options.deadline) return { reached: false, reason: `still preparing after ${waits} waits`, waits };
    const retry = Number(new URL(location, shopUrl).searchParams.get("retry")) || 1;
    await new Promise((resolve) => setTimeout(resolve, retry * 1000));
  }
}
