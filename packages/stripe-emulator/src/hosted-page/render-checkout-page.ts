import { minorUnitFactor } from "../checkout/create-checkout-session.ts";
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
  td, th { padding: 0.4rem 0; border-bottom: 1px solid #e3e8ee; text-align: left; }
  td.amount, th.amount { text-align: right; }
  .actions { display: flex; gap: 0.5rem; flex-wrap: wrap; margin-top: 1.5rem; }
  button { font: inherit; padding: 0.6rem 1.1rem; border-radius: 6px; border: 1px solid #635bff; background: #635bff; color: white; cursor: pointer; }
  button.secondary { background: white; color: #635bff; }
  .note { color: #697386; font-size: 0.9rem; }
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
  return `<form method="post" action="/checkout/${encodeURIComponent(session.id)}/${action}">` +
    `<button type="submit"${secondary ? ' class="secondary"' : ""}>${escapeHtml(label)}</button></form>`;
}

function summary(session: SessionRecord): string {
  const rows = session.lineItems
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.name)}</td><td>${line.quantity}</td>` +
        `<td class="amount">${formatMoney(line.unitAmount * line.quantity, line.currency)}</td></tr>`,
    )
    .join("\n");
  return `<table>
<thead><tr><th>Item</th><th>Qty</th><th class="amount">Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th colspan="2">Total</th><th class="amount" data-testid="total">${formatMoney(sessionAmounts(session).total, session.currency)}</th></tr></tfoot>
</table>`;
}

/** The hosted checkout page for every state a buyer can find a session in. */
export function renderCheckoutPage(session: SessionRecord): string {
  const successLink =
    session.successUrl === null ? "" : `<p><a href="${escapeHtml(successRedirect(session))}">Return to the shop</a></p>`;
  if (session.status === "expired") {
    return layout("Checkout expired", `<h1>This Checkout Session has expired</h1>\n${summary(session)}\n<p class="note">Start again from the shop.</p>`);
  }
  if (session.status === "open") {
    const cancel = session.cancelUrl === null ? "" : button(session, "cancel", "Cancel", true);
    return layout(
      "Pay",
      `<h1>Pay ${formatMoney(sessionAmounts(session).total, session.currency)}</h1>
${summary(session)}
<p class="note">Session <code>${escapeHtml(session.id)}</code> · expires ${new Date(session.expiresAt * 1000).toISOString()}</p>
<div class="actions">
${button(session, "pay", "Pay")}
${button(session, "pay-later", "Pay later (bank transfer)", true)}
${cancel}
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
