import type { IncomingMessage, ServerResponse } from "node:http";
import { PromotionCodeRefused, SessionStateError, type CheckoutSessions } from "../checkout/checkout-sessions.ts";
import { renderCheckoutPage, renderIndexPage, renderMessagePage, successRedirect } from "./render-checkout-page.ts";

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
  });
  res.end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, "content-length": "0", "cache-control": "no-store" });
  res.end();
}

/** The buyer's actions; each answers with the URL the browser goes to next. */
const ACTIONS: Record<string, (checkout: CheckoutSessions, id: string, form: URLSearchParams) => string> = {
  // Also the "Complete order" button of a no-cost order.
  pay: (checkout, id) => successRedirect(checkout.pay(id).session),
  "pay-later": (checkout, id) => successRedirect(checkout.pay(id, { delayed: true }).session),
  // The buyer leaves: Stripe sends nothing and the session stays open until it expires.
  cancel: (checkout, id) => {
    const session = checkout.get(id);
    checkout.expireIfDue(session);
    return session.cancelUrl ?? `/checkout/${id}`;
  },
  "bank-transfer-succeeded": (checkout, id) => {
    checkout.settleAsyncPayment(id, true);
    return `/checkout/${id}`;
  },
  "bank-transfer-failed": (checkout, id) => {
    checkout.settleAsyncPayment(id, false);
    return `/checkout/${id}`;
  },
  "promotion-code": (checkout, id, form) => {
    checkout.applyPromotionCode(id, form.get("code") ?? "");
    return `/checkout/${id}`;
  },
  "remove-promotion-code": (checkout, id) => {
    checkout.removePromotionCode(id);
    return `/checkout/${id}`;
  },
};

const MAX_FORM_BYTES = 10_000;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    if (body.length < MAX_FORM_BYTES) body += (chunk as Buffer).toString("utf8");
  }
  return new URLSearchParams(body.slice(0, MAX_FORM_BYTES));
}

/** Serves the hosted checkout page (`/checkout/:id`) and its form posts; returns false for other paths. */
export async function handleHostedPageRequest(
  req: IncomingMessage,
  res: ServerResponse,
  checkout: CheckoutSessions,
): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://emulator");
  const method = req.method ?? "GET";
  if (url.pathname === "/" && method === "GET") {
    html(res, 200, renderIndexPage(checkout.all().sort((a, b) => b.created - a.created)));
    return true;
  }
  const match = /^\/checkout\/([^/]+)(?:\/([a-z-]+))?\/?$/.exec(url.pathname);
  if (match === null) return false;
  const id = decodeURIComponent(match[1] as string);
  const action = match[2];
  const session = checkout.find(id);
  if (session === undefined) {
    html(res, 404, renderMessagePage("Checkout Session not found", `There is no Checkout Session ${id}.`));
    return true;
  }
  if (action === undefined && (method === "GET" || method === "HEAD")) {
    checkout.expireIfDue(session);
    html(res, 200, renderCheckoutPage(session));
    return true;
  }
  const run = action === undefined ? undefined : ACTIONS[action];
  if (method !== "POST" || run === undefined) {
    html(res, 405, renderMessagePage("Not allowed", `${method} ${url.pathname} is not a checkout action.`));
    return true;
  }
  const form = await readForm(req);
  try {
    redirect(res, run(checkout, id, form));
  } catch (error) {
    if (error instanceof PromotionCodeRefused) {
      // Back to the page, with the code and why it was refused, as Stripe's page shows it under the field.
      html(
        res,
        400,
        renderCheckoutPage(session, { promotionCodeError: error.message, enteredCode: form.get("code") ?? "" }),
      );
      return true;
    }
    if (!(error instanceof SessionStateError)) throw error;
    html(res, 409, renderMessagePage("This checkout cannot do that", error.message));
  }
  return true;
}
