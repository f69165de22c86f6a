import { InventoryError } from "../errors/inventory-error.ts";

/**
 * Reads a request body as JSON, refusing more than `maxBytes` (413, counted
 * while streaming so a lying Content-Length cannot get past) and anything
 * that is not JSON (400).
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
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
  return new TextDecoder().decode(await readBytes(request, maxBytes));
}

/**
 * Reads a request body of at most `maxBytes`: the declared length is checked
 * first and the stream is counted as it arrives, so a lying or missing
 * Content-Length buys nothing (413 `payload_too_large`).
 */
export async function readBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  // Web-standard, not Buffer.concat: this file is in the universal entry, and edge runtimes have no Buffer.
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(maxBytes: number): InventoryError {
  return new InventoryError("payload_too_large", `The body exceeds ${maxBytes} bytes.`, { details: { maxBytes } });
}
