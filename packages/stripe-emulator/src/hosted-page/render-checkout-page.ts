import { minorUnitFactor } from "../checkout/currencies.ts";
import { sessionAmounts, type SessionRecord } from "../checkout/checkout-session.ts";

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

export function formatMoney(amount: number, currency: string): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(
    amount / minorUnitFactor(currency),
  );
}

/** Where the buyer lands after paying: `success_url` with `{CHECKOUT_SESSION_ID}` filled, as Stripe does. */
export function successRedirect(session: SessionRecord): string {
  return session.successUrl === null
    ? `/checkout/${session.id}`
    : session.successUrl.replaceAll("{CHECKOUT_SESSION_ID}", session.id);
}

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1a1f36; }
  header { color: #635bff; font-weight: 600; margin-bottom: 1.5rem; }
  table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
  code { overflow-wrap: anywhere; }
  td, th { padding: 0.4rem 0; border-bottom: 1px solid #e3e8ee; text-align: left; }
  td.amount, th.amount { text-align: right; }
  .actions { display: flex; gap: 0.5rem; flex-wrap: wrap; margin-top: 1.5rem; }
  button { font: inherit; padding: 0.6rem 1.1rem; border-radius: 6px; border: 1px solid #635bff; background: #635bff; color: white; cursor: pointer; }
  button.secondary { background: white; color: #635bff; }
  .note { color: #697386; font-size: 0.9rem; }
  .promotion-code { margin: 1rem 0; }
  .promotion-code input { font: inherit; padding: 0.4rem; }
  .error { color: #df1b41; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>Stripe emulator · test mode</header>
${body}
</body>
</html>`;
}

function button(session: SessionRecord, action: string, label: string, secondary = false): string {
  return (
    `<form method="post" action="/checkout/${encodeURIComponent(session.id)}/${action}">` +
    `<button type="submit"${secondary ? ' class="secondary"' : ""}>${escapeHtml(label)}</button></form>`
  );
}

function summary(session: SessionRecord): string {
  const { subtotal, discount, total } = sessionAmounts(session);
  const rows = session.lineItems
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.name)}</td><td>${line.quantity}</td>` +
        `<td class="amount">${formatMoney(line.unitAmount * line.quantity, line.currency)}</td></tr>`,
    )
    .join("\n");
  const discountRows =
    session.discount === null
      ? ""
      : `<tr><th colspan="2">Subtotal</th><td class="amount" data-testid="subtotal">${formatMoney(subtotal, session.currency)}</td></tr>\n` +
        `<tr><th colspan="2">Discount (${escapeHtml(session.discount.label)})</th>` +
        `<td class="amount" data-testid="discount">−${formatMoney(discount, session.currency)}</td></tr>\n`;
  return `<table>
<thead><tr><th>Item</th><th>Qty</th><th class="amount">Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>${discountRows}<tr><th colspan="2">Total</th><th class="amount" data-testid="total">${formatMoney(total, session.currency)}</th></tr></tfoot>
</table>`;
}

/**
 * The promotion code field (sessions created with `allow_promotion_codes: true`): enter one, or remove the one applied.
 */
function promotionCodeForm(session: SessionRecord, notice: PageNotice): string {
  if (session.allowPromotionCodes !== true) return "";
  const action = (name: string) => `/checkout/${encodeURIComponent(session.id)}/${name}`;
  if (session.discount?.promotionCodeId != null) {
    return (
      `<form method="post" action="${action("remove-promotion-code")}" class="promotion-code">` +
      `<p>Promotion code <strong>${escapeHtml(session.discount.label)}</strong> applied.</p>` +
      `<button type="submit" class="secondary">Remove promotion code</button></form>`
    );
  }
  const error =
    notice.promotionCodeError === undefined
      ? ""
      : `<p class="error" role="alert">${escapeHtml(notice.promotionCodeError)}</p>`;
  return (
    `<form method="post" action="${action("promotion-code")}" class="promotion-code">` +
    `<label>Promotion code <input name="code" autocomplete="off" value="${escapeHtml(notice.enteredCode ?? "")}"></label> ` +
    `<button type="submit" class="secondary">Apply</button>${error}</form>`
  );
}

/** What the page says after a form post it refused. */
export interface PageNotice {
  promotionCodeError?: string;
  enteredCode?: string;
}

/** The hosted checkout page for every state a buyer can find a session in. */
export function renderCheckoutPage(session: SessionRecord, notice: PageNotice = {}): string {
  const successLink =
    session.successUrl === null
      ? ""
      : `<p><a href="${escapeHtml(successRedirect(session))}">Return to the shop</a></p>`;
  if (session.status === "expired") {
    return layout(
      "Checkout expired",
      `<h1>This Checkout Session has expired</h1>\n${summary(session)}\n<p class="note">Start again from the shop.</p>`,
    );
  }
  if (session.status === "open") {
    const { total } = sessionAmounts(session);
    const cancel = session.cancelUrl === null ? "" : button(session, "cancel", "Cancel", true);
    // A total of 0 is a no-cost order: Stripe collects no payment method, so there is nothing to pay and no bank
    // transfer.
    const noCost = total === 0;
    const actions = noCost
      ? `${button(session, "pay", "Complete order")}\n${cancel}`
      : `${button(session, "pay", "Pay")}\n${button(session, "pay-later", "Pay later (bank transfer)", true)}\n${cancel}`;
    return layout(
      noCost ? "Complete order" : "Pay",
      `<h1>${noCost ? "Complete your order" : `Pay ${formatMoney(total, session.currency)}`}</h1>
${summary(session)}
${noCost ? '<p class="note">Nothing to pay: no card needed.</p>\n' : ""}${promotionCodeForm(session, notice)}
<p class="note">Session <code>${escapeHtml(session.id)}</code> · expires ${new Date(session.expiresAt * 1000).toISOString()}</p>
<div class="actions">
${actions}
</div>`,
    );
  }
  if (session.asyncPayment === "pending") {
    return layout(
      "Awaiting bank transfer",
      `<h1>Awaiting bank transfer</h1>
${summary(session)}
<p class="note">The order is placed; the money has not arrived yet.</p>
<div class="actions">
${button(session, "bank-transfer-succeeded", "Bank transfer arrives")}
${button(session, "bank-transfer-failed", "Bank transfer fails", true)}
</div>
${successLink}`,
    );
  }
  if (session.asyncPayment === "failed") {
    return layout("Bank transfer failed", `<h1>Bank transfer failed</h1>\n${summary(session)}\n${successLink}`);
  }
  if (session.paymentStatus === "no_payment_required") {
    return layout(
      "Order complete",
      `<h1>Order complete</h1>\n${summary(session)}\n<p class="note">No payment was needed.</p>\n${successLink}`,
    );
  }
  return layout("Payment received", `<h1>Payment received</h1>\n${summary(session)}\n${successLink}`);
}

export function renderMessagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}

/** `GET /`: every session with a link to its page (handy in the demo). */
export function renderIndexPage(sessions: SessionRecord[]): string {
  const rows = sessions
    .map(
      (s) =>
        `<tr><td><a href="/checkout/${encodeURIComponent(s.id)}">${escapeHtml(s.id.slice(0, 24))}…</a></td>` +
        `<td>${s.status}</td><td>${s.paymentStatus}</td><td class="amount">${formatMoney(sessionAmounts(s).total, s.currency)}</td></tr>`,
    )
    .join("\n");
  return layout(
    "Stripe emulator",
    `<h1>Checkout Sessions</h1>
<table><thead><tr><th>Session</th><th>Status</th><th>Payment</th><th class="amount">Total</th></tr></thead>
<tbody>
${rows}
</tbody></table>`,
  );
}
