import { handleReaperCron } from "@acme/platform-core";

export const dynamic = "force-dynamic";

export const GET = (request: Request) => handleReaperCron(request);
