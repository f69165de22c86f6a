// Shared by the CMS's hostile-input tests: hostile values, a raw HTTP client
// for what fetch will not send, and the stored state a refusal must not touch.
import { connect } from "node:net";
import fc from "fast-check";
import { expect } from "vitest";
import { MAX_QUANTITY } from "@acme/platform-core";

// The stored state a refusal must not touch: one definition for every fuzz test.
export { stateSnapshot } from "@acme/platform-core/test-support";

/** Raw JSON number tokens and values that have broken quantity checks somewhere. */
export const HOSTILE_JSON_NUMBERS = [
  "0",
  "-0",
  "1",
  "5",
  "5.0",
  "5.5",
  "-1",
  "1e3",
  "1E3",
  "1e21",
  "1e400",
  "-1e400",
  "1e-400",
  "9007199254740993",
  "9007199254740991",
  String(MAX_QUANTITY),
  String(MAX_QUANTITY + 1),
  "99999999999999999999999",
  "2147483648",
  "0.1",
  "-0.0",
];
export const HOSTILE_JSON_OTHERS = [
  '"5"',
  '"1e3"',
  '"NaN"',
  '"Infinity"',
  '"-0"',
  '"0x10"',
  '" 7 "',
  '""',
  "null",
  "true",
  "false",
  "[]",
  "[5]",
  "{}",
  '{"$gt":0}',
];

/** A raw JSON value (text), hostile or plausible. */
export const hostileJson: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_JSON_NUMBERS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_JSON_OTHERS) },
  { weight: 2, arbitrary: fc.integer({ min: -1000, max: 2 * MAX_QUANTITY }).map(String) },
  {
    weight: 1,
    arbitrary: fc
      .double()
      .filter(Number.isFinite)
      .map((n) => JSON.stringify(n)),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 24 }).map((s) => JSON.stringify(s)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        "\u0000",
        "a\u0000b",
        "\ud800",
        "=cmd()",
        '\'; DROP TABLE "InventoryItem"; --',
        "%00",
        "../../etc/passwd",
      )
      .map((s) => JSON.stringify(s)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 129, max: 40_000 }).map((n) => JSON.stringify("x".repeat(n))) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
);

/** A JSON object as text, keys chosen from `keys` (plus a stray one), each value plausible or hostile. */
export function hostileObject(plausible: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const keys = Object.keys(plausible);
  return fc
    .subarray([...keys, "__proto__", "constructor", "extra"], { minLength: 0 })
    .chain((chosen) =>
      fc
        .tuple(
          ...chosen.map((key) =>
            Object.hasOwn(plausible, key)
              ? fc.oneof({ weight: 3, arbitrary: plausible[key]! }, { weight: 1, arbitrary: hostileJson })
              : hostileJson,
          ),
        )
        .map((values) => `{${chosen.map((key, index) => `${JSON.stringify(key)}:${values[index]}`).join(",")}}`),
    );
}

/** Bodies that are not a JSON object at all. */
export const garbageBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "{",
    "}",
    "[",
    "null",
    "0",
    '"x"',
    "[]",
    "{}{}",
    '{"a":1,}',
    "\ufeff{}",
    "<xml/>",
    "sku=TEE&quantity=1",
  ),
  fc.string({ unit: "binary", maxLength: 64 }),
  hostileJson,
);

/** encodeURIComponent, except that a lone surrogate (which it refuses) is sent as its raw UTF-8 bytes' escapes. */
function encode(text: string): string {
  return text.replace(/[\s\S]/gu, (char) => {
    if (/^[\uD800-\uDFFF]$/.test(char)) {
      const code = char.charCodeAt(0);
      return `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    }
    return encodeURIComponent(char);
  });
}

/** A query string from plausible and hostile values for `keys` (and stray keys, repeats, odd encodings). */
export function hostileQuery(plausible: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const value = (key: string) =>
    fc.oneof(
      { weight: 3, arbitrary: Object.hasOwn(plausible, key) ? plausible[key]! : fc.string({ maxLength: 8 }) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          "",
          "-1",
          "-0",
          "1e3",
          "1.5",
          "NaN",
          "99999999999999999999",
          "%00",
          "%ED%A0%80",
          "%FF",
          "%",
          "\u0000",
          "\ud800",
          " ",
          "=cmd()",
          "x".repeat(3000),
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 16 }) },
    );
  const keys = [...Object.keys(plausible), "extra", "__proto__", ""];
  return fc
    .array(
      fc.constantFrom(...keys).chain((key) => value(key).map((v) => [key, v] as const)),
      { maxLength: 6 },
    )
    .chain((pairs) =>
      fc
        .constantFrom("encoded", "raw")
        .map((mode) =>
          pairs
            .map(([k, v]) =>
              mode === "encoded"
                ? `${encode(k)}=${encode(v)}`
                : `${k}=${v.replace(/[#&\s]/g, (c) => encodeURIComponent(c))}`,
            )
            .join("&"),
        ),
    );
}

/** Headers an attacker controls, added to a fuzzed request. */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    "content-type": fc.constantFrom(
      "application/json",
      "text/csv",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
      "",
      "*/*",
    ),
    "x-forwarded-for": fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.constantFrom("", "unknown", "1.1.1.1, 2.2.2.2", "x".repeat(500)),
    ),
    accept: fc.constantFrom("*/*", "text/html", "application/json", "text/event-stream", ""),
    "x-forwarded-host": fc.constantFrom("evil.example", "127.0.0.1", ""),
    "accept-encoding": fc.constantFrom("gzip", "br", "identity", "*"),
  },
  { requiredKeys: [] },
);

/** A response that refuses the input: a 4xx with a JSON body naming a code, and for `validation_failed` the fields. */
export async function expectRefusal(
  response: Response,
  allowed: number[],
  what: string,
): Promise<{ code?: string; errors?: Array<{ field: string; message: string }> }> {
  const text = await response.text();
  expect(allowed, `${what} answered ${response.status}: ${text.slice(0, 300)}`).toContain(response.status);
  expect(response.status, `${what}: ${text.slice(0, 300)}`).toBeLessThan(500);
  let body: { code?: string; errors?: Array<{ field: string; message: string }> } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Next.js answers some malformed requests (e.g. a bad URL) itself, without JSON.
  }
  if (body.code === "validation_failed") {
    expect(Array.isArray(body.errors), `${what}: validation_failed without errors`).toBe(true);
    for (const error of body.errors!) {
      expect(typeof error.field).toBe("string");
      expect(typeof error.message).toBe("string");
    }
  }
  return body;
}

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends bytes fetch would not: a lying Content-Length, chunked bodies, no
 * length at all. Resolves with the status line's code once the server answers
 * (or closes); bounded by `timeoutMs`.
 */
export function rawHttp(
  url: string,
  head: string,
  body: Buffer | string = "",
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in ${timeoutMs} ms to ${head.split("\r\n")[0]}`));
    }, timeoutMs);
    socket.on("connect", () => {
      socket.write(head);
      socket.write(body);
    });
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      // Enough once the headers are in and either the body is complete or the server closes.
      const end = received.indexOf("\r\n\r\n");
      if (end >= 0 && /content-length: *0\r\n/i.test(received.slice(0, end))) socket.end();
    });
    const finish = () => {
      clearTimeout(timer);
      const [headers = "", ...rest] = received.split("\r\n\r\n");
      resolve({
        status: Number(/^HTTP\/1\.\d (\d{3})/.exec(received)?.[1] ?? 0),
        headers,
        body: rest.join("\r\n\r\n"),
      });
    };
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", (error) => {
      clearTimeout(timer);
      if (received) finish();
      else reject(error);
    });
  });
}

/** Counts of inputs tried and answers seen per endpoint, printed as `[fuzz]` lines for docs/reliability.md. */
export class FuzzTally {
  private readonly counts = new Map<string, Map<number, number>>();
  add(endpoint: string, status: number): void {
    const byStatus = this.counts.get(endpoint) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.counts.set(endpoint, byStatus);
  }
  print(label: string): void {
    let total = 0;
    for (const [endpoint, byStatus] of this.counts) {
      const sum = [...byStatus.values()].reduce((a, b) => a + b, 0);
      total += sum;
      const statuses = [...byStatus]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${n}`)
        .join(" ");
      console.log(`[fuzz] ${label} ${endpoint}: ${sum} requests (${statuses})`);
    }
    console.log(`[fuzz] ${label} total: ${total} requests`);
  }
}
