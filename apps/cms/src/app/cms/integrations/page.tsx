import { listIntegrations } from "@acme/platform-core";
import { requirePageOperator } from "@/lib/auth/guards";
import { CreateIntegrationForm } from "@/components/integrations/create-integration-form";
import type { IntegrationRow } from "@/components/integrations/integration-types";
import { IntegrationsTable } from "@/components/integrations/integrations-table";

export const dynamic = "force-dynamic";

/** Integrations (ERP, WMS) that set stock through the sync API: create one, see its use, revoke it. Admins only. */
export default async function IntegrationsPage() {
  const operator = await requirePageOperator({ role: "admin", next: "/cms/integrations" });
  const integrations: IntegrationRow[] = (await listIntegrations()).map((integration) => ({
    ...integration,
    createdAt: integration.createdAt.toISOString(),
    lastUsedAt: integration.lastUsedAt?.toISOString() ?? null,
    revokedAt: integration.revokedAt?.toISOString() ?? null,
  }));
  return (
    <>
      <h1>Integrations</h1>
      <p className="small">
        Machines (an ERP, a WMS) that set stock through the sync API with a bearer token, in the shops they are given.
        See docs/sync-api.md.
      </p>
      <CreateIntegrationForm shops={operator.shops} />
      <h2>All integrations</h2>
      <IntegrationsTable integrations={integrations} />
    </>
  );
}
