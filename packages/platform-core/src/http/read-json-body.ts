import { InventoryError } from "../errors/inventory-error.ts";

/**
 * Reads a request body as JSON, refusing more than `maxBytes` (413, counted
 * while streaming so a lying Content-Length cannot get past) and anything
 * that is not JSON (400).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const text = await readText(request, maxBytes);
  if (text.trim() === "") throw InventoryError.validation([{ field: "body", message: "required (a JSON object)" }]);
  try {
    return JSON.parse(text);
  } catch {
    throw InventoryError.validation([{ field: "body", message: "not valid JSON" }]);
  }
}

/** Reads a request body as UTF-8 text of at most `maxBytes`. */
export async function readText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function tooLarge(maxBytes: number): InventoryError {
  return new InventoryError("payload_too_large", `The body exceeds ${maxBytes} bytes.`, { details: { maxBytes } });
}
