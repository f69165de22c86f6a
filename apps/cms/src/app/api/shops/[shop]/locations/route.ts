import { parseOrThrow, readJsonBody, type CreateLocationInput, type UpdateLocationInput } from "@acme/platform-core";
import { z } from "zod";
import { withOperatorRoute } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { loadShopLocations } from "@/app/cms/_lib/locations";

export const dynamic = "force-dynamic";

/** A location is a few short fields; anything larger is refused unread (413). */
const LOCATION_MAX_BYTES = 4 * 1024;

// The library parses every value (code, name, kind, priority, the two switches) and names the field that is wrong;
// these only refuse other shapes, so the inputs are handed on as they came.
const objectError = (what: string) => ({
  error: (issue: { code: string; keys?: string[] }) =>
    issue.code === "unrecognized_keys"
      ? `has unknown fields ${issue.keys?.join(", ")}`
      : `must be a JSON object ${what}`,
});
const fields = {
  name: z.unknown().optional(),
  kind: z.unknown().optional(),
  active: z.unknown().optional(),
  fulfilsOnline: z.unknown().optional(),
  priority: z.unknown().optional(),
};
const createBodySchema = z.strictObject({ code: z.unknown(), ...fields }, objectError("with code and name"));
const updateBodySchema = z.strictObject({ code: z.unknown(), ...fields }, objectError("with the location's code"));

/** The shop's locations with the units on hand, held and incoming at each, and the allocation strategy. */
export const GET = withOperatorRoute({ role: "viewer", shop: true }, async ({ shopId }) =>
  Response.json(await loadShopLocations(shopId)),
);

/**
 * Adds a location. 400 `validation_failed` names each field that is wrong; 409 `conflict` when the code is taken
 * (`errors[0].field` is `code`) or the backend keeps one location per shop. Nothing is created then.
 */
export const POST = withOperatorRoute({ role: "editor", shop: true }, async ({ request, shopId, operator }) => {
  const body = parseOrThrow(createBodySchema, await readJsonBody(request, LOCATION_MAX_BYTES));
  const input = { ...body, shopId, actor: operator.email } as unknown as CreateLocationInput;
  const location = await getStores().locations.createLocation(input);
  return Response.json({ location }, { status: 201 });
});

/**
 * Changes a location's name, kind, priority, active or sells-online (the body names it by `code`; a code never
 * changes). A location cannot stop counting online while checkouts hold units there: 409 `conflict` with `held`
 * (the units) and nothing changes. 404 for a code the shop does not have.
 */
export const PATCH = withOperatorRoute({ role: "editor", shop: true }, async ({ request, shopId, operator }) => {
  const body = parseOrThrow(updateBodySchema, await readJsonBody(request, LOCATION_MAX_BYTES));
  const input = { ...body, shopId, actor: operator.email } as unknown as UpdateLocationInput;
  const location = await getStores().locations.updateLocation(input);
  return Response.json({ location });
});
