import { parseOrThrow, readJsonBody, type AllocationStrategy } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";

export const dynamic = "force-dynamic";

const STRATEGY_MAX_BYTES = 1024;

const strategyBodySchema = z.strictObject(
  { strategy: z.unknown() },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `has unknown fields ${issue.keys.join(", ")}`
        : "must be a JSON object with strategy",
  },
);

/**
 * Sets how checkouts choose the locations a cart's units come from: `fewest_locations` or `priority` (400 naming
 * `strategy` otherwise). Holds already made keep their locations.
 */
export const PUT = withOperatorRoute({ role: "editor", shop: true }, async ({ request, shopId, operator }) => {
  const { strategy } = parseOrThrow(strategyBodySchema, await readJsonBody(request, STRATEGY_MAX_BYTES));
  const stored = await getStores().locations.setAllocationStrategy({
    shopId,
    strategy: strategy as AllocationStrategy, // parsed by the library
    actor: operator.email,
  });
  return Response.json({ strategy: stored });
});
