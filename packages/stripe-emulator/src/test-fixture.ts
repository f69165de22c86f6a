// Shared set-up for this package's tests (not exported): an emulator, a
// webhook receiver and the official SDK pointed at the emulator.
import Stripe from "stripe";
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from "./start-stripe-emulator.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhooks/start-webhook-receiver.ts";

export const TEST_SECRET_KEY = "sk_test_emulator";
export const TEST_WEBHOOK_SECRET = "whsec_test_emulator_secret";

export interface Fixture {
  emulator: StripeEmulator;
  receiver: WebhookReceiver;
  stripe: Stripe;
  stop(): Promise<void>;
}

export async function startFixture(options: Partial<StripeEmulatorOptions> = {}): Promise<Fixture> {
  const receiver = await startWebhookReceiver();
  const emulator = await startStripeEmulator({
    webhookSecret: TEST_WEBHOOK_SECRET,
    webhookUrl: receiver.url,
    retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 40 },
    ...options,
  });
  const stripe = new Stripe(TEST_SECRET_KEY, { ...emulator.stripeConfig, telemetry: false });
  return {
    emulator,
    receiver,
    stripe,
    async stop() {
      await emulator.stop();
      await receiver.stop();
    },
  };
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A typical shop checkout: two lines, metadata, URLs with Stripe's session template. */
export function sessionParams(
  overrides: Partial<Stripe.Checkout.SessionCreateParams> = {},
): Stripe.Checkout.SessionCreateParams {
  return {
    mode: "payment",
    line_items: [
      {
        quantity: 2,
        price_data: { currency: "usd", unit_amount: 1250, product_data: { name: "Linen shirt (M, blue)" } },
      },
      { quantity: 1, price_data: { currency: "usd", unit_amount: 3000, product_data: { name: "Canvas tote" } } },
    ],
    success_url: "http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://shop.test/cart",
    expires_at: nowSeconds() + 45 * 60,
    metadata: { shop_id: "cover-me-pretty", inventory_reservation_id: "hold_123" },
    client_reference_id: "hold_123",
    ...overrides,
  };
}

/** Posts a hosted-page form as a browser would, without following the redirect. */
export async function submitCheckoutForm(sessionUrl: string, action: string): Promise<Response> {
  return fetch(`${sessionUrl}/${action}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "",
    redirect: "manual",
  });
}
