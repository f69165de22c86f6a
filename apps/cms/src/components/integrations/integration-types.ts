/** An integration as the page hands it to the browser (dates as ISO text). */
export interface IntegrationRow {
  id: string;
  name: string;
  tokenPrefix: string;
  shops: string[];
  active: boolean;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
