/** A response as sent, kept so a retried request gets exactly the same answer. */
export interface SavedResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
  requestId: string;
}

interface Entry {
  fingerprint: string;
  response: SavedResponse;
}

/**
 * Stripe's idempotency: the first result for a key (per API key) is saved,
 * success or failure, and replayed for every later request with that key.
 * Requests that fail validation before the endpoint runs are not saved.
 */
export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  lookup(
    scope: string,
    key: string,
    fingerprint: string,
  ): { kind: "miss" } | { kind: "replay"; response: SavedResponse } | { kind: "mismatch" } {
    const entry = this.entries.get(`${scope}\u0000${key}`);
    if (entry === undefined) return { kind: "miss" };
    if (entry.fingerprint !== fingerprint) return { kind: "mismatch" };
    return { kind: "replay", response: entry.response };
  }

  save(scope: string, key: string, fingerprint: string, response: SavedResponse): void {
    this.entries.set(`${scope}\u0000${key}`, { fingerprint, response });
  }
}
