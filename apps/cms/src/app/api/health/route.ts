import { handleHealthRequest } from "@acme/platform-core/route-handlers";

export const dynamic = "force-dynamic";

export const GET = (request: Request) => handleHealthRequest(request);
