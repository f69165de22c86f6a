// How a browser reaches Stripe's page from the shop's answer: follow the
// payment link; while the session is being prepared the shop sends it to
// /checkout/preparing, which comes back to the link after `retry` seconds.

export interface ReachedPaymentPage {
  /** Stripe's hosted page. */
  location: string;
  sessionId: string;
  /** Times the buyer was shown the "being prepared" page. */
  waits: number;
}

export async function followPaymentLink(shopUrl: string, link: string, options: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<ReachedPaymentPage> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let waits = 0;
  for (;;) {
    const response = await fetch(new URL(link, shopUrl), { redirect: "manual", ...(options.headers ? { headers: options.headers } : {}) });
    const location = response.headers.get("location");
    if (response.status !== 303 || !location) throw new Error(`the payment link answered ${response.status}`);
    if (!location.startsWith("/checkout/preparing")) {
      if (location.startsWith("/")) throw new Error(`the payment link sent the buyer to ${location}`);
      return { location, sessionId: location.split("/").pop()!.split("?")[0]!, waits };
    }
    waits += 1;
    if (Date.now() > deadline) throw new Error(`still preparing after ${waits} waits`);
    const retry = Number(new URL(location, shopUrl).searchParams.get("retry")) || 1;
    await new Promise((resolve) => setTimeout(resolve, retry * 1000));
  }
}
