import type { Integration } from "./types.ts";

/** The columns of "Integration" that leave the database (never the token hash). */
export const INTEGRATION_COLUMNS = `id, name, "tokenPrefix", shops, active, "createdBy", "createdAt", "lastUsedAt", "revokedAt"`;

export interface IntegrationRow {
  id: string;
  name: string;
  tokenPrefix: string;
  shops: string[] | null;
  active: boolean;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export function toIntegration(row: IntegrationRow): Integration {
  return {
    id: row.id,
    name: row.name,
    tokenPrefix: row.tokenPrefix,
    shops: row.shops ?? [],
    active: row.active && row.revokedAt === null,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}
