import { InventoryError } from "@acme/platform-core";
import type { z } from "zod";

/** Parses with a zod schema or throws `validation_failed` (400) listing each field and reason. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw InventoryError.validation(
    parsed.error.issues.map((issue) => ({
      field: issue.path.map(String).join(".") || "(body)",
      message: issue.message,
    })),
  );
}

/** The query string as a plain object (last value wins), for `parseInput`. */
export function queryOf(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

function tooLarge(maxBytes: number): InventoryError {
  return new InventoryError("payload_too_large", `The request body is larger than ${Math.round(maxBytes / 1024)} KB.`, {
    details: { maxBytes },
  });
}

/**
 * Reads a request body, refusing with `payload_too_large` (413) as soon as it
 * passes `maxBytes`: the declared length is checked first, and the stream is
 * counted as it arrives, so a lying or missing Content-Length buys nothing.
 */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** A JSON body of at most `maxBytes`; malformed JSON is a 400 naming the body. */
export async function readJsonBody(request: Request, maxBytes = 16 * 1024): Promise<unknown> {
  const bytes = await readBodyLimited(request, maxBytes);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw InventoryError.validation([{ field: "(body)", message: "must be valid JSON" }]);
  }
}
