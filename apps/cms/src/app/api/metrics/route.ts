import { handleMetricsRequest } from "@acme/platform-core";

export const dynamic = "force-dynamic";

export const GET = (request: Request) => handleMetricsRequest(request);
