import {
  variantKey,
  AUTHORITY_MAX_BODY_BYTES,
  cartLineSchema,
  cartLinesSchema,
  InventoryAuthorityClient,
  InventoryError,
  errorResponse,
  isInventoryError,
  parseOrThrow,
  readJsonBody,
  type FieldError,
  type InventoryAuthorityClientOptions,
} from "@acme/platform-core/universal";
import { z } from "zod";

export interface EdgeWorkerOptions {
  /** A ready client, or the options to build one (base URL, token and the shop it serves). */
  authority: InventoryAuthorityClient | InventoryAuthorityClientOptions;
  /** Origin that runs the real checkout, e.g. the shop: `https://shop.example.com`. */
  checkoutOrigin: string;
  /** Path on `checkoutOrigin` that admitted checkouts are forwarded to (default `/api/checkout-session`). */
  checkoutPath?: string;
  /** Used to forward admitted checkouts (default: the global fetch). */
  fetch?: typeof fetch;
}

export interface EdgeWorker {
  fetch(request: Request): Promise<Response>;
}

/**
 * The body the shop's checkout route takes, its lines read by the library's one
 * cart-line schema (at most CART_MAX_LINES). A line may name its variant by
 * attributes; the worker forwards every line by its canonical `variantKey`,
 * the form the shop reads, so both check the same variant.
 */
const checkoutBodySchema = z.object({ lines: cartLinesSchema(cartLineSchema) });

/** Headers that describe one hop, not the request: never forwarded. */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host",
  "content-length",
];

function unavailable(message: string): Response {
  return Response.json(
    { code: "unavailable", message },
    { status: 503, headers: { "retry-after": "5", "cache-control": "no-store" } },
  );
}

/**
 * A Web-standard fetch handler (Vercel Edge, Cloudflare Workers, Node) that
 * admits a checkout only when the CMS inventory authority confirms the stock:
 * POST /checkout is checked with `InventoryAuthorityClient` and forwarded to
 * the checkout origin when available, refused with 409 and the short items
 * when not, and refused with 503 whenever the authority cannot answer
 * (unreachable, timed out, 5xx, garbage). It fails closed: it has no stock
 * figures of its own and never guesses.
 */
export function createEdgeWorker(options: EdgeWorkerOptions): EdgeWorker {
  const authority =
    options.authority instanceof InventoryAuthorityClient
      ? options.authority
      : new InventoryAuthorityClient(options.authority);
  const forward = options.fetch ?? globalThis.fetch;
  const target = new URL(options.checkoutPath ?? "/api/checkout-session", options.checkoutOrigin);

  return {
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname !== "/checkout")
        return Response.json({ code: "not_found", message: "Not found." }, { status: 404 });
      if (request.method !== "POST") {
        return Response.json(
          { code: "method_not_allowed", message: "Use POST." },
          { status: 405, headers: { allow: "POST" } },
        );
      }
      try {
        // Counted while streaming: the authority takes at most as much, so a larger cart is refused here (413).
        const body = await readJsonBody(request, AUTHORITY_MAX_BODY_BYTES);
        const cart = parseOrThrow(checkoutBodySchema, body);

        const verdict = await authority.validate(
          cart.lines.map((line) => ({
            sku: line.sku,
            quantity: line.quantity,
            ...(line.variantAttributes
              ? { variantAttributes: line.variantAttributes }
              : { variantKey: line.variantKey ?? "" }),
          })),
        );
        if (!verdict.ok) {
          return Response.json(
            {
              code: "inventory_insufficient",
              message: "Some items are no longer available in the quantity requested.",
              items: verdict.insufficient,
            },
            { status: 409, headers: { "cache-control": "no-store" } },
          );
        }

        // Forward what was checked: each line by its canonical variant key (the shop reads keys, not
        // attributes), every other field of the body as the buyer sent it.
        const canonical = {
          ...(body as Record<string, unknown>),
          lines: cart.lines.map((line) => ({
            ...line,
            variantAttributes: undefined,
            variantKey: line.variantAttributes ? variantKey(line.variantAttributes) : (line.variantKey ?? ""),
          })),
        };
        const headers = new Headers(request.headers);
        for (const name of HOP_BY_HOP) headers.delete(name);
        // fetch decodes a compressed answer but keeps its Content-Encoding; ask for none so the
        // body passed back is exactly what its headers say.
        headers.set("accept-encoding", "identity");
        let upstream: Response;
        try {
          upstream = await forward(target, {
            method: "POST",
            headers,
            body: JSON.stringify(canonical),
            redirect: "manual",
          });
        } catch {
          return Response.json(
            {
              code: "bad_gateway",
              message: "The checkout could not be reached. Nothing was charged; please try again.",
            },
            { status: 502, headers: { "cache-control": "no-store" } },
          );
        }
        const answer = new Headers(upstream.headers);
        answer.delete("content-encoding");
        answer.delete("content-length");
        return new Response(upstream.body, {
          status: upstream.status,
          statusText: upstream.statusText,
          headers: answer,
        });
      } catch (error) {
        if (isInventoryError(error, "unavailable")) return unavailable(error.message);
        if (isInventoryError(error, "validation_failed")) {
          // The authority names its own `items.N` fields; the buyer sent `lines.N`, in the same order.
          const errors = ((error.details.errors as FieldError[] | undefined) ?? []).map((e) => ({
            ...e,
            field: e.field.replace(/^items\./, "lines."),
          }));
          return errorResponse(InventoryError.validation(errors, error.message));
        }
        return errorResponse(error);
      }
    },
  };
}
