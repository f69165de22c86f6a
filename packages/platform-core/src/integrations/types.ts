/** A machine (ERP, WMS) allowed to call the sync API for some shops, as the CMS and the API see it. */
export interface Integration {
  id: string;
  name: string;
  /** The token's first characters (`acme_int_` and four more), to tell tokens apart; never the token. */
  tokenPrefix: string;
  shops: string[];
  /** False once revoked. */
  active: boolean;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** What creating an integration answers: the token, shown this once (only its SHA-256 is stored). */
export interface CreatedIntegration {
  integration: Integration;
  token: string;
}

/** The ledger actor of an integration's writes. */
export function integrationActor(id: string): string {
  return `integration:${id}`;
}
