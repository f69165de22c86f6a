// How a browser reaches Stripe's page from the shop's answer: follow the
// payment link until it sends the browser to Stripe (readPaymentLinkAnswer
// says what each answer means), waiting on /checkout/preparing as it asks.
import { readPaymentLinkAnswer } from "@acme/testkit/payment-link";

export interface ReachedPaymentPage {
  /** Stripe's hosted page. */
  location: string;
  sessionId: string;
  /** Times the buyer was shown the "being prepared" page. */
  waits: number;
}

export async function followPaymentLink(
  shopUrl: string,
  link: string,
  options: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<ReachedPaymentPage> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (let waits = 0; ; waits++) {
    const response = await fetch(new URL(link, shopUrl), {
      redirect: "manual",
      ...(options.headers ? { headers: options.headers } : {}),
    });
    const answer = readPaymentLinkAnswer(response.status, response.headers.get("location"), shopUrl);
    if (answer.kind === "payment_page") return { location: answer.location, sessionId: answer.sessionId, waits };
    if (answer.kind === "elsewhere")
      throw new Error(`the payment link answered ${answer.status}${answer.location ? ` to ${answer.location}` : ""}`);
    if (Date.now() > deadline) throw new Error(`still preparing after ${waits + 1} waits`);
    await new Promise((resolve) => setTimeout(resolve, answer.retrySeconds * 1000));
  }
}
