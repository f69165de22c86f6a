import { getEnv } from "../env.ts";
import { errorResponse } from "../errors/error-response.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { requireBearer } from "../http/bearer-auth.ts";
import { getMetrics } from "./metrics-registry.ts";

/**
 * `GET /api/metrics`: this process's metrics in Prometheus text format.
 * Requires `Authorization: Bearer $METRICS_TOKEN` (compared in constant
 * time; 401 otherwise); 503 while METRICS_TOKEN is not set. Each serverless
 * instance exposes only its own counters: rates across instances come from
 * the database (`getHoldLifecycleSeries`), or from Prometheus summing scrapes.
 */
export async function handleMetricsRequest(request: Request, options: { token?: string } = {}): Promise<Response> {
  const headers = { "cache-control": "no-store" };
  try {
    const token = options.token ?? getEnv().METRICS_TOKEN;
    if (!token)
      throw new InventoryError("unavailable", "METRICS_TOKEN is not set, so the metrics endpoint is disabled.");
    requireBearer(request, token, "METRICS_TOKEN");
    const { registry } = getMetrics();
    return new Response(await registry.metrics(), {
      status: 200,
      headers: { ...headers, "content-type": registry.contentType },
    });
  } catch (error) {
    return errorResponse(error, { headers });
  }
}
