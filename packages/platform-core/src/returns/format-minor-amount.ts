/**
 * An amount in a currency's minor unit (as Stripe counts it) as people read it: 1234 USD is "12.34 USD", 500
 * JPY "500 JPY".
 */
export function formatMinorAmount(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // Not a currency Intl knows: Stripe's default of two decimals.
  }
  return `${(amount / 10 ** digits).toFixed(digits)} ${code}`;
}
