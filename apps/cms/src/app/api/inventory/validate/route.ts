import { handleInventoryAuthorityRequest } from "@acme/platform-core";

export const dynamic = "force-dynamic";

export const POST = (request: Request) => handleInventoryAuthorityRequest(request);
