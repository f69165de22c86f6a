import { isInventoryError } from "@acme/platform-core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseInput, readBodyLimited, readJsonBody } from "./http";

function streamOf(chunks: number[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const size of chunks) controller.enqueue(new Uint8Array(size).fill(65));
      controller.close();
    },
  });
}

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request("http://cms.test/api", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

describe("readBodyLimited", () => {
  it("returns the whole body at or under the limit", async () => {
    expect((await readBodyLimited(post(streamOf([3, 4])), 7)).byteLength).toBe(7);
  });

  it("refuses a declared length over the limit before reading (413)", async () => {
    const error = await readBodyLimited(post("x".repeat(20), { "content-length": "20" }), 10).catch((e: unknown) => e);
    expect(isInventoryError(error, "payload_too_large")).toBe(true);
    expect((error as { status: number }).status).toBe(413);
  });

  it("counts a streamed body without a declared length and stops past the limit", async () => {
    const error = await readBodyLimited(post(streamOf([6, 6, 6])), 10).catch((e: unknown) => e);
    expect(isInventoryError(error, "payload_too_large")).toBe(true);
  });
});

describe("readJsonBody and parseInput", () => {
  it("names the body when JSON is malformed (400)", async () => {
    const error = await readJsonBody(post("{nope")).catch((e: unknown) => e);
    expect(isInventoryError(error, "validation_failed")).toBe(true);
    expect((error as { details: unknown }).details).toEqual({ errors: [{ field: "(body)", message: "must be valid JSON" }] });
  });

  it("lists every field error with its path", () => {
    const schema = z.object({ a: z.number(), b: z.object({ c: z.string() }) });
    const error = (() => {
      try {
        parseInput(schema, { a: "1", b: {} });
      } catch (caught) {
        return caught;
      }
    })();
    expect(isInventoryError(error, "validation_failed")).toBe(true);
    const fields = (error as { details: { errors: Array<{ field: string }> } }).details.errors.map((e) => e.field);
    expect(fields).toEqual(["a", "b.c"]);
  });
});
