import type { IncomingMessage, ServerResponse } from "node:http";
import { SessionStateError, type CheckoutSessions } from "../checkout/checkout-sessions.ts";
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
const ACTIONS: Record<string, (checkout: CheckoutSessions, id: string) => string> = {
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
};

/** Serves the hosted checkout page (`/checkout/:id`) and its form posts; returns false for other paths. */
export async function handleHostedPageRequest(req: IncomingMessage, res: ServerResponse, checkout: CheckoutSessions): Promise<boolean> {
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
  // The form body carries nothing the emulator needs; read it so the connection stays reusable.
  for await (const _chunk of req) void _chunk;
  try {
    redirect(res, run(checkout, id));
  } catch (error) {
    if (!(error instanceof SessionStateError)) throw error;
    html(res, 409, renderMessagePage("This checkout cannot do that", error.message));
  }
  return true;
}
