import { listStockEventDeliveries } from "@acme/platform-core";
import { withOperatorRoute } from "@/lib/auth/guards";

export const dynamic = "force-dynamic";

/** The delivery log, newest first: `?shop=&before=&limit=` (1-200, default 50); `nextBefore` pages on. Admins only. */
export const GET = withOperatorRoute({ role: "admin" }, async ({ request, params }) => {
  const query = new URL(request.url).searchParams;
  const limit = query.get("limit");
  return Response.json(
    await listStockEventDeliveries({
      subscriptionId: params.id,
      ...(query.get("shop") ? { shopId: query.get("shop") } : {}),
      ...(query.get("before") ? { before: query.get("before") } : {}),
      ...(limit !== null ? { limit: Number(limit) } : {}),
    }),
  );
});
