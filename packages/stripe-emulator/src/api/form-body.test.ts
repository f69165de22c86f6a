import { describe, expect, it } from "vitest";
import { parseStripeForm } from "./form-body.ts";

describe("parseStripeForm", () => {
  it("decodes Stripe's bracket notation into nested objects and arrays", () => {
    const body =
      "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=1250" +
      "&line_items[0][price_data][product_data][name]=Linen%20shirt&line_items[0][quantity]=2" +
      "&line_items[1][quantity]=1&metadata[shop_id]=x&expand[0]=line_items";
    expect(parseStripeForm(body)).toEqual({
      mode: "payment",
      line_items: [
        { price_data: { currency: "usd", unit_amount: "1250", product_data: { name: "Linen shirt" } }, quantity: "2" },
        { quantity: "1" },
      ],
      metadata: { shop_id: "x" },
      expand: ["line_items"],
    });
  });

  it("accepts percent-encoded brackets, empty-bracket arrays and index order", () => {
    expect(parseStripeForm("expand%5B%5D=a&expand%5B%5D=b&x[10]=ten&x[2]=two")).toEqual({
      expand: ["a", "b"],
      x: ["two", "ten"],
    });
  });

  it("keeps template braces and plus signs as sent", () => {
    const url = "http://shop.test/ok?session_id={CHECKOUT_SESSION_ID}";
    expect(parseStripeForm(`success_url=${encodeURIComponent(url)}&q=a+b`)).toEqual({ success_url: url, q: "a b" });
  });
});
