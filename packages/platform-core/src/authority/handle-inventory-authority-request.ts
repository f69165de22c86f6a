import { z } from "zod";
import { AUTHORITY_MAX_BODY_BYTES } from "./authority-limits.ts";
import { getEnv } from "../env.ts";
import { errorResponse } from "../errors/error-response.ts";
import type { HoldStore } from "../holds/types.ts";
import { requireBearer } from "../http/bearer-auth.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { parseOrThrow, shopIdSchema } from "../inventory/inputs.ts";
import type { InventoryStore } from "../inventory/inventory-store.ts";
import { validateInventoryAvailability } from "../validation/validate-inventory-availability.ts";

const bodySchema = z.object({
  shopId: z
    .unknown()
    .refine((value) => value !== undefined, "required (the shop id)")
    .pipe(shopIdSchema),
  items: z
    .array(z.unknown(), { error: "required (an array of { sku, variantKey | variantAttributes, quantity })" })
    .min(1, "must have at least one item"),
});

export interface InventoryAuthorityOptions {
  /** Defaults to `INVENTORY_AUTHORITY_TOKEN`. */
  token?: string;
  store?: InventoryStore;
  holds?: HoldStore;
  now?: Date;
}

/**
 * `POST /api/inventory/validate`, the inventory authority for workers that
 * cannot reach the database: 200 `{ ok: true }` when every item is available,
 * 409 `{ code: "inventory_insufficient", items }` with the short ones, 400 with
 * field errors for a malformed body, 401 without the bearer token, 503 when
 * the store cannot answer (the caller must then refuse, not guess).
 */
export async function handleInventoryAuthorityRequest(
  request: Request,
  options: InventoryAuthorityOptions = {},
): Promise<Response> {
  const noStore = { "cache-control": "no-store" };
  if (request.method !== "POST") {
    return Response.json(
      { code: "validation_failed", message: "Use POST." },
      { status: 405, headers: { allow: "POST", ...noStore } },
    );
  }
  try {
    requireBearer(request, options.token ?? getEnv().INVENTORY_AUTHORITY_TOKEN, "INVENTORY_AUTHORITY_TOKEN");
    const body = parseOrThrow(bodySchema, await readJsonBody(request, AUTHORITY_MAX_BODY_BYTES));
    const result = await validateInventoryAvailability(body.shopId, body.items as never, {
      ...(options.store ? { store: options.store } : {}),
      ...(options.holds ? { holds: options.holds } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    if (result.ok) return Response.json({ ok: true }, { headers: noStore });
    return Response.json(
      {
        code: "inventory_insufficient",
        message: "Some items are not available in the quantity requested.",
        items: result.insufficient,
      },
      { status: 409, headers: noStore },
    );
  } catch (error) {
    return errorResponse(error, { headers: noStore });
  }
}
