import { isInventoryError } from "@acme/platform-core";

export interface ErrorCount {
  kind: string;
  count: number;
  /** The first message seen of this kind. */
  sample: string;
}

/**
 * Counts unexpected errors by kind (InventoryError code or error class) so
 * that the report shows them instead of hiding them in an average.
 */
export function createErrorTally() {
  const counts = new Map<string, ErrorCount>();
  let total = 0;
  return {
    add(error: unknown) {
      total += 1;
      const kind = isInventoryError(error) ? error.code : error instanceof Error ? error.name : typeof error;
      const message = error instanceof Error ? error.message : String(error);
      const entry = counts.get(kind);
      if (entry) entry.count += 1;
      else counts.set(kind, { kind, count: 1, sample: message.slice(0, 300) });
    },
    total: () => total,
    list: (): ErrorCount[] => [...counts.values()].sort((a, b) => b.count - a.count),
  };
}

export type ErrorTally = ReturnType<typeof createErrorTally>;
