import { InventoryError, shopIdSchema, type FieldError } from "@acme/platform-core/universal";
import { z } from "zod";
import type { EdgeWorkerOptions } from "./create-edge-worker.ts";

/**
 * The settings a runtime hands the worker: Cloudflare's `env` bindings, or
 * Vercel's `process.env`. Values are strings (Cloudflare `[vars]` may also be
 * numbers); anything else is refused by name.
 */
export type WorkerEnv = Readonly<Record<string, unknown>>;

/** As the library reads its environment (`env.ts`): trimmed, and blank means unset. */
const setting = z
  .union([z.string(), z.number()], { error: "must be a string" })
  .optional()
  .transform((value) => (value === undefined || String(value).trim() === "" ? undefined : String(value).trim()));

const required = (rule: z.ZodType<string, string> = z.string()) =>
  setting.pipe(z.string({ error: "is not set" }).pipe(rule));

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const wholeNumber = (min: number, max: number, fallback: number) =>
  setting.pipe(
    z
      .string()
      .regex(/^\d+$/, "must be a whole number")
      .transform(Number)
      .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
      .default(fallback),
  );

const workerEnvSchema = z.object({
  /** The CMS's inventory API, e.g. `https://cms.example.com/api/inventory` (the worker posts to `<it>/validate`). */
  INVENTORY_AUTHORITY_URL: required(httpUrl),
  /** The bearer token the CMS's authority takes (the CMS's own `INVENTORY_AUTHORITY_TOKEN`). */
  INVENTORY_AUTHORITY_TOKEN: required(),
  /** The shop whose stock the worker asks about. */
  SHOP_ID: required(shopIdSchema),
  /** The shop that runs the real checkout, as an origin: `https://shop.example.com`. */
  CHECKOUT_ORIGIN: required(
    httpUrl.refine((value) => {
      const url = new URL(value);
      return url.pathname === "/" && !url.search && !url.hash;
    }, "must be an origin such as https://shop.example.com, without a path"),
  ),
  /** Per attempt at the authority (the client's default, 2,000 ms). */
  INVENTORY_AUTHORITY_TIMEOUT_MS: wholeNumber(50, 30_000, 2_000),
  /** Attempts in all for network errors, timeouts and 5xx (the client's default, 3). */
  INVENTORY_AUTHORITY_ATTEMPTS: wholeNumber(1, 5, 3),
});

/**
 * The edge worker's options from its runtime's settings. Every missing or
 * malformed variable is named (never its value: one is a secret) in one
 * `misconfigured` error, so a deploy that forgot one says which.
 */
export function readWorkerEnv(env: WorkerEnv | undefined): EdgeWorkerOptions {
  const parsed = workerEnvSchema.safeParse(env ?? {});
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((issue) => ({
      field: issue.path.join("."),
      message: issue.message,
    }));
    throw new InventoryError(
      "misconfigured",
      `The edge worker is not configured: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}.`,
      {
        details: { errors },
      },
    );
  }
  const settings = parsed.data;
  return {
    authority: {
      baseUrl: settings.INVENTORY_AUTHORITY_URL,
      token: settings.INVENTORY_AUTHORITY_TOKEN,
      shopId: settings.SHOP_ID,
      timeoutMs: settings.INVENTORY_AUTHORITY_TIMEOUT_MS,
      attempts: settings.INVENTORY_AUTHORITY_ATTEMPTS,
    },
    checkoutOrigin: settings.CHECKOUT_ORIGIN,
  };
}
