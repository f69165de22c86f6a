import { describe, expect, it } from "vitest";
import { readWorkerEnv } from "./read-worker-env.ts";

const SECRET = "token-that-must-never-be-echoed";
const good = {
  INVENTORY_AUTHORITY_URL: "https://cms.example.com/api/inventory",
  INVENTORY_AUTHORITY_TOKEN: SECRET,
  SHOP_ID: "cover-me-pretty",
  CHECKOUT_ORIGIN: "https://shop.example.com",
};

function problems(env: Record<string, unknown> | undefined): Array<{ field: string; message: string }> {
  try {
    readWorkerEnv(env);
  } catch (error) {
    expect(error).toMatchObject({ code: "misconfigured" });
    expect((error as Error).message).not.toContain(SECRET);
    return (error as { details: { errors: Array<{ field: string; message: string }> } }).details.errors;
  }
  throw new Error("readWorkerEnv accepted it");
}

describe("readWorkerEnv", () => {
  it("builds the worker's options, with the client's defaults for timeout and attempts", () => {
    expect(readWorkerEnv(good)).toEqual({
      authority: {
        baseUrl: good.INVENTORY_AUTHORITY_URL,
        token: SECRET,
        shopId: "cover-me-pretty",
        timeoutMs: 2000,
        attempts: 3,
      },
      checkoutOrigin: "https://shop.example.com",
    });
  });

  it("trims values and takes numbers as Cloudflare [vars] may give them", () => {
    const options = readWorkerEnv({
      ...good,
      SHOP_ID: " cover-me-pretty ",
      INVENTORY_AUTHORITY_TIMEOUT_MS: 750,
      INVENTORY_AUTHORITY_ATTEMPTS: "1",
    });
    expect(options.authority).toMatchObject({ shopId: "cover-me-pretty", timeoutMs: 750, attempts: 1 });
  });

  it("names every variable that is missing, blank or malformed, never a value", () => {
    expect(problems(undefined).map((p) => p.field)).toEqual([
      "INVENTORY_AUTHORITY_URL",
      "INVENTORY_AUTHORITY_TOKEN",
      "SHOP_ID",
      "CHECKOUT_ORIGIN",
    ]);
    expect(problems({ ...good, INVENTORY_AUTHORITY_TOKEN: "   " })).toEqual([
      { field: "INVENTORY_AUTHORITY_TOKEN", message: "is not set" },
    ]);
    expect(problems({ ...good, INVENTORY_AUTHORITY_URL: "cms.example.com/api/inventory" })).toEqual([
      { field: "INVENTORY_AUTHORITY_URL", message: "must be an http(s) URL" },
    ]);
    expect(problems({ ...good, INVENTORY_AUTHORITY_URL: "ftp://cms.example.com/" }).map((p) => p.field)).toEqual([
      "INVENTORY_AUTHORITY_URL",
    ]);
    expect(problems({ ...good, CHECKOUT_ORIGIN: "https://shop.example.com/api/checkout-session" })[0]!.message).toMatch(
      /origin/,
    );
    expect(problems({ ...good, SHOP_ID: "Cover Me" }).map((p) => p.field)).toEqual(["SHOP_ID"]);
    expect(problems({ ...good, INVENTORY_AUTHORITY_TIMEOUT_MS: "2s", INVENTORY_AUTHORITY_ATTEMPTS: "9" })).toEqual([
      { field: "INVENTORY_AUTHORITY_TIMEOUT_MS", message: "must be a whole number" },
      { field: "INVENTORY_AUTHORITY_ATTEMPTS", message: "must be at most 5" },
    ]);
    // A binding that is not a string (a KV namespace given the variable's name, say).
    expect(problems({ ...good, SHOP_ID: { get() {} } })).toEqual([{ field: "SHOP_ID", message: "must be a string" }]);
  });
});
