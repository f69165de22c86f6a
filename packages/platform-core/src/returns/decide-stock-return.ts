import { z } from "zod";
import { InventoryError } from "../errors/inventory-error.ts";
import { locationCodeSchema } from "../locations/location-inputs.ts";
import { parseOrThrow, parseShopId, skuSchema, variantKeySchema } from "../inventory/inputs.ts";
import { MAX_QUANTITY } from "../inventory/types.ts";
import { getReturnStore } from "./get-return-store.ts";
import type { ReturnLine, ReturnStore, StockReturnView } from "./types.ts";

const refundIdSchema = z
  .string()
  .min(1, "is required")
  .max(255, "must be at most 255 characters")
  .regex(/^[A-Za-z0-9_]+$/, "must be a Stripe refund id");

const decisionSchema = z.discriminatedUnion("decision", [
  z.object({
    decision: z.literal("restock"),
    lines: z
      .array(
        z.object({
          sku: skuSchema,
          variantKey: variantKeySchema,
          location: locationCodeSchema,
          quantity: z.number().int("must be a whole number").min(0, "must be 0 or more").max(MAX_QUANTITY),
        }),
      )
      .min(1, "choose at least one line")
      .max(1000, "at most 1000 lines"),
    note: z.string().trim().max(500, "must be at most 500 characters").optional(),
  }),
  z.object({
    decision: z.literal("dismiss"),
    note: z.string().trim().max(500, "must be at most 500 characters").optional(),
  }),
]);

/**
 * An operator's decision on a pending return: restock some or all of its
 * units (each line at most what the refund returned, or for a refund whose
 * units were not known, what the checkout has unreturned), or dismiss it.
 * One SQL call under the checkout's lock; only a pending return can be
 * decided (`conflict` otherwise, nothing changed), so two operators deciding
 * at once restock once.
 */
export async function decideStockReturn(options: {
  shopId: string;
  refundId: string;
  input: unknown;
  actor: string;
  now?: Date;
  store?: ReturnStore;
}): Promise<StockReturnView> {
  const shopId = parseShopId(options.shopId);
  const refundId = parseOrThrow(refundIdSchema, options.refundId, "refundId");
  const input = parseOrThrow(decisionSchema, options.input);
  const store = options.store ?? getReturnStore();
  const lines: ReturnLine[] = input.decision === "restock" ? input.lines : [];
  const answer = await store.decideReturn({
    shopId,
    refundId,
    decision: input.decision,
    lines,
    note: input.note ? input.note : null,
    actor: options.actor,
    now: options.now ?? new Date(),
  });
  if (answer.outcome === "not_found")
    throw new InventoryError("not_found", `No return for refund ${refundId} in shop ${shopId}.`);
  if (answer.outcome === "conflict")
    throw new InventoryError("conflict", `The return for refund ${refundId} is already ${answer.status}.`, {
      details: { status: answer.status },
    });
  if (answer.outcome === "invalid")
    throw InventoryError.validation(
      answer.errors.map((error) => ({
        field: error.index === undefined ? error.field : `lines.${error.index}.${error.field}`,
        message: error.message,
      })),
      "Some lines cannot go back to stock.",
    );
  const view = await store.getReturn({ shopId, refundId });
  if (!view) throw new InventoryError("not_found", `No return for refund ${refundId} in shop ${shopId}.`);
  return view;
}
