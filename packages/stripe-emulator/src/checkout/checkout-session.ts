import { invalidRequest } from "../api/stripe-api-error.ts";

export type SessionStatus = "open" | "complete" | "expired";
export type PaymentStatus = "paid" | "unpaid";

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

/** A Checkout Session, as the emulator stores it (camelCase, never sent as is). */
export interface SessionRecord {
  id: string;
  created: number;
  expiresAt: number;
  status: SessionStatus;
  paymentStatus: PaymentStatus;
  currency: string;
  amountTotal: number;
  lineItems: LineItemRecord[];
  metadata: Record<string, string>;
  clientReferenceId: string | null;
  customerEmail: string | null;
  successUrl: string | null;
  cancelUrl: string | null;
  /** Set when the buyer confirms a payment method (card or bank transfer). */
  paymentIntentId: string | null;
  paymentMethodType: "card" | "customer_balance" | null;
  /** For bank transfers: whether the funds arrived. */
  asyncPayment: "pending" | "succeeded" | "failed" | null;
  hostedUrl: string;
}

/** The Stripe `price` object nested in a line item. */
export interface PriceObject {
  id: string;
  object: "price";
  active: boolean;
  billing_scheme: "per_unit";
  created: number;
  currency: string;
  livemode: false;
  metadata: Record<string, string>;
  product: string | ProductObject;
  recurring: null;
  type: "one_time";
  unit_amount: number;
  unit_amount_decimal: string;
}

export interface ProductObject {
  id: string;
  object: "product";
  active: boolean;
  created: number;
  description: string | null;
  livemode: false;
  metadata: Record<string, string>;
  name: string;
}

/** A Stripe `item` (Checkout line item). */
export interface LineItemObject {
  id: string;
  object: "item";
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string;
  price: PriceObject;
  quantity: number;
}

export interface ListObject<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

/** The JSON the API answers with and webhooks carry: Stripe's `checkout.session`. */
export interface CheckoutSession {
  id: string;
  object: "checkout.session";
  after_expiration: null;
  allow_promotion_codes: null;
  amount_subtotal: number;
  amount_total: number;
  automatic_tax: { enabled: false; liability: null; status: null };
  billing_address_collection: null;
  cancel_url: string | null;
  client_reference_id: string | null;
  client_secret: null;
  consent: null;
  consent_collection: null;
  created: number;
  currency: string;
  custom_fields: [];
  custom_text: { after_submit: null; shipping_address: null; submit: null; terms_of_service_acceptance: null };
  customer: null;
  customer_creation: "if_required";
  customer_details: {
    address: null;
    email: string | null;
    name: string | null;
    phone: null;
    tax_exempt: "none";
    tax_ids: [];
  } | null;
  customer_email: string | null;
  expires_at: number;
  invoice: null;
  line_items?: ListObject<LineItemObject>;
  livemode: false;
  locale: null;
  metadata: Record<string, string>;
  mode: "payment";
  payment_intent: string | null;
  payment_link: null;
  payment_method_collection: "if_required";
  payment_method_options: Record<string, never>;
  payment_method_types: string[];
  payment_status: PaymentStatus;
  recovered_from: null;
  setup_intent: null;
  shipping_address_collection: null;
  shipping_cost: null;
  shipping_options: [];
  status: SessionStatus;
  submit_type: null;
  subscription: null;
  success_url: string | null;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
  ui_mode: "hosted";
  url: string | null;
}

const EXPANDABLE = new Set(["line_items", "line_items.data.price.product"]);

/** Checks `expand[]` values the way Stripe does; returns the set to apply. */
export function readExpand(value: unknown): Set<string> {
  if (value === undefined) return new Set();
  const list = Array.isArray(value) ? value : [value];
  const result = new Set<string>();
  for (const item of list) {
    if (typeof item !== "string") throw invalidRequest("Invalid array", "expand");
    if (!EXPANDABLE.has(item)) {
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
    livemode: false,
    metadata: { ...line.productMetadata },
    name: line.name,
  };
}

export function lineItemObject(session: SessionRecord, line: LineItemRecord, expandProduct: boolean): LineItemObject {
  const amount = line.unitAmount * line.quantity;
  return {
    id: line.id,
    object: "item",
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: line.currency,
    description: line.name,
    price: {
      id: line.priceId,
      object: "price",
      active: false,
      billing_scheme: "per_unit",
      created: session.created,
      currency: line.currency,
      livemode: false,
      metadata: {},
      product: expandProduct ? productObject(session, line) : line.productId,
      recurring: null,
      type: "one_time",
      unit_amount: line.unitAmount,
      unit_amount_decimal: String(line.unitAmount),
    },
    quantity: line.quantity,
  };
}

export function lineItemList(session: SessionRecord, expandProduct: boolean): ListObject<LineItemObject> {
  return {
    object: "list",
    data: session.lineItems.map((line) => lineItemObject(session, line, expandProduct)),
    has_more: false,
    url: `/v1/checkout/sessions/${session.id}/line_items`,
  };
}

/** Serialises a stored session to Stripe's wire shape (line items only when expanded, like Stripe). */
export function toCheckoutSession(session: SessionRecord, expand: ReadonlySet<string> = new Set()): CheckoutSession {
  const completed = session.status === "complete";
  return {
    id: session.id,
    object: "checkout.session",
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: session.amountTotal,
    amount_total: session.amountTotal,
    automatic_tax: { enabled: false, liability: null, status: null },
    billing_address_collection: null,
    cancel_url: session.cancelUrl,
    client_reference_id: session.clientReferenceId,
    client_secret: null,
    consent: null,
    consent_collection: null,
    created: session.created,
    currency: session.currency,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_creation: "if_required",
    customer_details: completed
      ? {
          address: null,
          email: session.customerEmail ?? "buyer@example.com",
          name: "Test Buyer",
          phone: null,
          tax_exempt: "none",
          tax_ids: [],
        }
      : null,
    customer_email: session.customerEmail,
    expires_at: session.expiresAt,
    invoice: null,
    ...(expand.has("line_items") || expand.has("line_items.data.price.product")
      ? { line_items: lineItemList(session, expand.has("line_items.data.price.product")) }
      : {}),
    livemode: false,
    locale: null,
    metadata: { ...session.metadata },
    mode: "payment",
    payment_intent: session.paymentIntentId,
    payment_link: null,
    payment_method_collection: "if_required",
    payment_method_options: {},
    payment_method_types: ["card", "customer_balance"],
    payment_status: session.paymentStatus,
    recovered_from: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: session.status,
    submit_type: null,
    subscription: null,
    success_url: session.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    // Stripe clears the URL once the session can no longer be paid.
    url: session.status === "open" ? session.hostedUrl : null,
  };
}
