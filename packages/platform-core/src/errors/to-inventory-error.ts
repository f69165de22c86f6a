import { ErrorCode } from "./error-codes.ts";
import { InventoryError } from "./inventory-error.ts";
import { postgresErrorCode } from "./postgres-error-code.ts";

// SQLSTATE classes that mean "the database cannot answer right now".
const UNAVAILABLE_SQLSTATES = new Set([
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "08007",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "40001",
  "40P01",
  "55P03",
  "57014",
  // The database is gone or refuses us: misconfiguration or an outage, either way no answer to give.
  "3D000",
  "28000",
  "28P01",
]);
const UNAVAILABLE_NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

function findCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== "object" || depth > 5) return undefined;
  const sqlState = postgresErrorCode(error);
  if (sqlState && UNAVAILABLE_SQLSTATES.has(sqlState)) return sqlState;
  const record = error as { code?: unknown; cause?: unknown };
  if (typeof record.code === "string" && UNAVAILABLE_NODE_CODES.has(record.code)) return record.code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const code = findCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return findCode(record.cause, depth + 1);
}

function looksUnavailable(error: unknown): boolean {
  if (findCode(error)) return true;
  const message = error instanceof Error ? error.message : "";
  return /Can't reach database|connection terminated|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|ECONNREFUSED|Server has closed the connection/i.test(
    message,
  );
}

/** Classifies a thrown value: known errors pass through, lost connections become `unavailable`. */
export function toInventoryError(error: unknown): InventoryError {
  if (error instanceof InventoryError) return error;
  if (looksUnavailable(error)) {
    return new InventoryError(ErrorCode.unavailable, "The inventory store is unavailable. Try again shortly.", {
      cause: error,
    });
  }
  return new InventoryError(ErrorCode.internal, "Unexpected error.", { cause: error });
}
