import type { FormValue } from "../api/form-body.ts";
import { asString, required } from "../api/read-params.ts";
import { invalidRequest } from "../api/stripe-api-error.ts";

/**
 * The currencies the emulator supports, each with Stripe's minimum charge in
 * minor units (the table at docs.stripe.com/currencies#minimum-and-maximum-charge-amounts:
 * $0.50 USD, £0.30 GBP, HK$4.00, ¥50, ...). A session whose total is above
 * zero but under its currency's minimum is refused with `amount_too_small`.
 * Stripe takes some 135 currencies; these are the ones with a published
 * minimum, less HUF (two-decimal in API amounts but zero-decimal for payouts,
 * a special case the emulator does not model) and HRK (replaced by the euro).
 */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

/** Of the supported currencies, those whose API amounts have no minor unit (Stripe's zero-decimal list). */
const ZERO_DECIMAL = new Set(["jpy"]);

export const SUPPORTED_CURRENCIES: readonly string[] = Object.keys(MINIMUM_CHARGE);

/** Stripe's smallest chargeable amount for a supported currency, in minor units. */
export function minimumCharge(currency: string): number {
  const minimum = MINIMUM_CHARGE[currency];
  if (minimum === undefined) throw new Error(`Unsupported currency: ${currency}`);
  return minimum;
}

/** Minor units per major unit in API amounts (jpy: 1, usd: 100). */
export function minorUnitFactor(currency: string): number {
  return ZERO_DECIMAL.has(currency.toLowerCase()) ? 1 : 100;
}

/** A three-letter code the emulator supports, lowercased; otherwise Stripe's invalid-currency error on `param`. */
export function readCurrency(value: FormValue | undefined, param: string): string {
  const currency = required(asString(value, param), param).toLowerCase();
  if (!Object.hasOwn(MINIMUM_CHARGE, currency)) {
    throw invalidRequest(
      `Invalid currency: ${currency}. Stripe currently supports these currencies: ${SUPPORTED_CURRENCIES.join(", ")}`,
      param,
    );
  }
  return currency;
}
