import { invalidRequest } from "../api/stripe-api-error.ts";
import { allocateDiscount } from "../discounts/allocate-discount.ts";

export type SessionStatus = "open" | "complete" | "expired";
/** `no_payment_required`: a completed session whose total was 0 (a free order, or a 100% discount). */
export type PaymentStatus = "paid" | "unpaid" | "no_payment_required";

/** One purchased line, as the emulator stores it. */
export interface LineItemRecord {
  id: string;
  priceId: string;
  productId: string;
  name: string;
  description: string | null;
  productMetadata: Record<string, string>;
  currency: string;
  unitAmount: number;
  quantity: number;
}

/** The coupon (and promotion code, when the buyer or the integration used one) applied to a session. */
export interface AppliedDiscount {
  couponId: string;
  promotionCodeId: string | null;
  /** Minor units taken off the subtotal (never more than it). */
  amount: number;
  /** What the hosted page shows: the code the buyer entered, or the coupon's name (or id). */
  label: string;
}

/** A Checkout Session, as the emulator stores it (camelCase, never sent as is). */
export interface SessionRecord {
  id: string;
  created: number;
  expiresAt: number;
  status: SessionStatus;
  paymentStatus: PaymentStatus;
  currency: string;
  lineItems: LineItemRecord[];
  /** What `allow_promotion_codes` was created with (null when not passed). */
  allowPromotionCodes: boolean | null;
  discount: AppliedDiscount | null;
  metadata: Record<string, string>;
  clientReferenceId: string | null;
  customerEmail: string | null;
  /** The Customer Stripe creates when a no-cost order completes (guest customers are not supported there). */
  customerId: string | null;
  successUrl: string | null;
  cancelUrl: string | null;
  /** Set when the buyer confirms a payment method (card or bank transfer); null for no-cost orders. */
  paymentIntentId: string | null;
  /** The charge of the PaymentIntent (refunds name either); null for no-cost orders. */
  chargeId: string | null;
  paymentMethodType: "card" | "customer_balance" | null;
  /** For bank transfers: whether the funds arrived. */
  asyncPayment: "pending" | "succeeded" | "failed" | null;
  hostedUrl: string;
}

/** Subtotal, discount and total of a session, in minor units. */
export function sessionAmounts(session: SessionRecord): { subtotal: number; discount: number; total: number } {
  const subtotal = session.lineItems.reduce((sum, line) => sum + line.unitAmount * line.quantity, 0);
  const discount = Math.min(session.discount?.amount ?? 0, subtotal);
  return { subtotal, discount, total: subtotal - discount };
}

/** The Stripe `price` object nested in a line item. */
export interface PriceObject {
  id: string;
  object: "price";
  active: boolean;
  billing_scheme: "per_unit";
  created: number;
  currency: string;
  custom_unit_amount: null;
  livemode: false;
  lookup_key: null;
  metadata: Record<string, string>;
  nickname: null;
  product: string | ProductObject;
  recurring: null;
  tax_behavior: "unspecified";
  tiers_mode: null;
  transform_quantity: null;
  type: "one_time";
  unit_amount: number;
  /** A decimal string on the wire; the SDK turns it into a `Stripe.Decimal` when reading a response. */
  unit_amount_decimal: string;
}

export interface ProductObject {
  id: string;
  object: "product";
  active: boolean;
  created: number;
  description: string | null;
  images: string[];
  livemode: false;
  marketing_features: [];
  metadata: Record<string, string>;
  name: string;
  package_dimensions: null;
  shippable: null;
  statement_descriptor: null;
  tax_code: null;
  tax_details: null;
  type: "service";
  unit_label: null;
  updated: number;
  url: null;
}

/** A Stripe `item` (Checkout line item). */
export interface LineItemObject {
  id: string;
  object: "item";
  adjustable_quantity: null;
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string;
  metadata: Record<string, string>;
  price: PriceObject;
  quantity: number;
}

export interface ListObject<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

/** One entry of a session's `discounts`: the coupon, or the promotion code the buyer entered. */
export interface SessionDiscountObject {
  coupon: string | null;
  promotion_code: string | null;
}

/**
 * The JSON the API answers with and webhooks carry: Stripe's
 * `checkout.session` for a hosted, payment-mode session, every field the
 * SDK's `Stripe.Checkout.Session` requires (src/stripe-types.test-d.ts checks
 * it). Fields for features the emulator does not model are their "not used"
 * value (null, false, empty), which is what Stripe sends when they are unused.
 */
export interface CheckoutSession {
  id: string;
  object: "checkout.session";
  adaptive_pricing: null;
  after_expiration: null;
  allow_promotion_codes: boolean | null;
  allowed_payment_method_types: null;
  amount_subtotal: number;
  amount_total: number;
  automatic_tax: { enabled: false; liability: null; provider: null; status: null };
  billing_address_collection: null;
  cancel_url: string | null;
  client_reference_id: string | null;
  client_secret: null;
  collected_information: null;
  consent: null;
  consent_collection: null;
  created: number;
  currency: string;
  currency_conversion: null;
  custom_fields: [];
  custom_text: { after_submit: null; shipping_address: null; submit: null; terms_of_service_acceptance: null };
  customer: string | null;
  customer_account: null;
  customer_creation: "if_required";
  customer_details: {
    address: null;
    business_name: null;
    email: string | null;
    individual_name: null;
    name: string | null;
    phone: null;
    tax_exempt: "none";
    tax_ids: [];
  } | null;
  customer_email: string | null;
  discounts: SessionDiscountObject[];
  expires_at: number;
  integration_identifier: null;
  invoice: null;
  invoice_creation: {
    enabled: false;
    invoice_data: {
      account_tax_ids: null;
      custom_fields: null;
      description: null;
      footer: null;
      issuer: null;
      metadata: Record<string, string>;
      rendering_options: null;
    };
  };
  livemode: false;
  locale: null;
  managed_payments: null;
  metadata: Record<string, string>;
  mode: "payment";
  origin_context: null;
  payment_intent: string | null;
  payment_link: null;
  payment_method_collection: "if_required";
  payment_method_configuration_details: null;
  payment_method_options: Record<string, never>;
  payment_method_types: string[];
  payment_status: PaymentStatus;
  permissions: null;
  recovered_from: null;
  saved_payment_method_options: null;
  setup_intent: null;
  shipping_address_collection: null;
  shipping_cost: null;
  shipping_options: [];
  status: SessionStatus;
  submit_type: null;
  subscription: null;
  success_url: string | null;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
  /** The pinned API version's name for Stripe's hosted page (older versions called it `hosted`). */
  ui_mode: "hosted_page";
  url: string | null;
  wallet_options: null;
}

/** A session as the API answers when `expand[]=line_items` (or deeper) was asked for. */
export type ExpandedCheckoutSession = CheckoutSession & { line_items: ListObject<LineItemObject> };

const EXPANDABLE: ReadonlySet<string> = new Set(["line_items", "line_items.data.price.product"]);

/** Checks `expand[]` values the way Stripe does (a session's, unless told otherwise); returns the set to apply. */
export function readExpand(value: unknown, expandable: ReadonlySet<string> = EXPANDABLE): Set<string> {
  if (value === undefined) return new Set();
  const list = Array.isArray(value) ? value : [value];
  const result = new Set<string>();
  for (const item of list) {
    if (typeof item !== "string") throw invalidRequest("Invalid array", "expand");
    if (!expandable.has(item)) {
      throw invalidRequest(`This property cannot be expanded (${item}).`, "expand");
    }
    result.add(item);
  }
  return result;
}

function productObject(session: SessionRecord, line: LineItemRecord): ProductObject {
  return {
    id: line.productId,
    object: "product",
    active: true,
    created: session.created,
    description: line.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: { ...line.productMetadata },
    name: line.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: "service",
    unit_label: null,
    updated: session.created,
    url: null,
  };
}

export function lineItemObject(
  session: SessionRecord,
  line: LineItemRecord,
  expandProduct: boolean,
  amountDiscount = 0,
): LineItemObject {
  const amount = line.unitAmount * line.quantity;
  return {
    id: line.id,
    object: "item",
    adjustable_quantity: null,
    amount_discount: amountDiscount,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount - amountDiscount,
    currency: line.currency,
    description: line.name,
    metadata: {},
    price: {
      id: line.priceId,
      object: "price",
      active: false,
      billing_scheme: "per_unit",
      created: session.created,
      currency: line.currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      product: expandProduct ? productObject(session, line) : line.productId,
      recurring: null,
      tax_behavior: "unspecified",
      tiers_mode: null,
      transform_quantity: null,
      type: "one_time",
      unit_amount: line.unitAmount,
      unit_amount_decimal: String(line.unitAmount),
    },
    quantity: line.quantity,
  };
}

export function lineItemList(session: SessionRecord, expandProduct: boolean): ListObject<LineItemObject> {
  const shares = allocateDiscount(
    session.lineItems.map((line) => line.unitAmount * line.quantity),
    sessionAmounts(session).discount,
  );
  return {
    object: "list",
    data: session.lineItems.map((line, index) => lineItemObject(session, line, expandProduct, shares[index] ?? 0)),
    has_more: false,
    url: `/v1/checkout/sessions/${session.id}/line_items`,
  };
}

/** Serialises a stored session to Stripe's wire shape; line items only when expanded, like Stripe. */
export function toCheckoutSession(session: SessionRecord): CheckoutSession;
export function toCheckoutSession(
  session: SessionRecord,
  expand: ReadonlySet<string>,
): CheckoutSession | ExpandedCheckoutSession;
export function toCheckoutSession(
  session: SessionRecord,
  expand: ReadonlySet<string> = new Set(),
): CheckoutSession | ExpandedCheckoutSession {
  const completed = session.status === "complete";
  const { subtotal, discount, total } = sessionAmounts(session);
  const object: CheckoutSession = {
    id: session.id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: session.allowPromotionCodes,
    allowed_payment_method_types: null,
    amount_subtotal: subtotal,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: session.cancelUrl,
    client_reference_id: session.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: session.created,
    currency: session.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: session.customerId,
    customer_account: null,
    customer_creation: "if_required",
    customer_details: completed
      ? {
          address: null,
          business_name: null,
          email: session.customerEmail ?? "buyer@example.com",
          individual_name: null,
          name: "Test Buyer",
          phone: null,
          tax_exempt: "none",
          tax_ids: [],
        }
      : null,
    customer_email: session.customerEmail,
    discounts:
      session.discount === null
        ? []
        : [
            {
              coupon: session.discount.promotionCodeId === null ? session.discount.couponId : null,
              promotion_code: session.discount.promotionCodeId,
            },
          ],
    expires_at: session.expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: {
      enabled: false,
      invoice_data: {
        account_tax_ids: null,
        custom_fields: null,
        description: null,
        footer: null,
        issuer: null,
        metadata: {},
        rendering_options: null,
      },
    },
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: { ...session.metadata },
    mode: "payment",
    origin_context: null,
    payment_intent: session.paymentIntentId,
    payment_link: null,
    payment_method_collection: "if_required",
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ["card", "customer_balance"],
    payment_status: session.paymentStatus,
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: session.status,
    submit_type: null,
    subscription: null,
    success_url: session.successUrl,
    total_details: { amount_discount: discount, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted_page",
    // Stripe clears the URL once the session can no longer be paid.
    url: session.status === "open" ? session.hostedUrl : null,
    wallet_options: null,
  };
  if (!expand.has("line_items") && !expand.has("line_items.data.price.product")) return object;
  return { ...object, line_items: lineItemList(session, expand.has("line_items.data.price.product")) };
}
