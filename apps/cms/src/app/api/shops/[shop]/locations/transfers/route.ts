import { parseOrThrow, readJsonBody, TRANSFER_MAX_LINES, type CreateTransferInput } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { queryOf } from "../../_lib/http";

export const dynamic = "force-dynamic";

/** Room for the most lines a transfer may have, each a long sku and variant key. */
const TRANSFER_MAX_BYTES = 64 + TRANSFER_MAX_LINES * 2400;

const listQuerySchema = z.strictObject({
  status: z.enum(["in_transit", "received"], { error: "must be in_transit or received" }).optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "must be a whole number")
    .transform(Number)
    .refine((value) => value >= 1 && value <= 1000, "must be 1..1000")
    .default(50),
});

// The library parses every value and names the field (`from`, `to`, `lines.2.quantity`, ...); this refuses other
// shapes, so the inputs are handed on as they came.
const transferBodySchema = z.strictObject(
  {
    transferId: z.unknown().optional(),
    from: z.unknown(),
    to: z.unknown(),
    lines: z.unknown(),
    inTransit: z.unknown().optional(),
    note: z.unknown().optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `has unknown fields ${issue.keys.join(", ")}`
        : "must be a JSON object with from, to and lines",
  },
);

/** The shop's transfers, newest first (50 unless `limit` says), optionally of one status. */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ request, shopId }) => {
  const query = parseOrThrow(listQuerySchema, queryOf(request));
  const transfers = await getStores().locations.listTransfers(shopId, {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
  });
  return Response.json({ transfers });
});

/**
 * Moves stock from one location to another in one transaction: at once (`inTransit` false, the default) or on its
 * way until received. Never moves held units: 409 `conflict` with `errors` naming each short line
 * (`lines.<n>.quantity`); 400 names any other wrong field. A retry with the same `transferId` is the same transfer.
 */
export const POST = withOperatorRoute({ role: "editor", shop: true }, async ({ request, shopId, operator }) => {
  const body = parseOrThrow(transferBodySchema, await readJsonBody(request, TRANSFER_MAX_BYTES));
  const input = { ...body, shopId, actor: operator.email } as unknown as CreateTransferInput;
  const transfer = await getStores().locations.createTransfer(input);
  return Response.json({ transfer }, { status: 201 });
});
