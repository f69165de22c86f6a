import { z } from "zod";
import { InventoryError } from "../errors/inventory-error.ts";
import type { InsufficientItem } from "../validation/validate-inventory-availability.ts";

/** One line to validate: a variant by key or by attributes, and how many. */
export interface AuthorityValidationItem {
  sku: string;
  variantKey?: string;
  variantAttributes?: Record<string, string>;
  quantity: number;
}

export type AuthorityValidation = { ok: true } | { ok: false; insufficient: InsufficientItem[] };

export interface InventoryAuthorityClientOptions {
  /** Base URL of the CMS inventory API, e.g. `https://cms.example.com/api/inventory`. */
  baseUrl: string;
  token: string;
  /** The shop whose stock is asked about. */
  shopId: string;
  /** Per attempt (default 2,000 ms). */
  timeoutMs?: number;
  /** Attempts in all, for network errors and 5xx (default 3). */
  attempts?: number;
  /** First backoff (default 100 ms), doubled each retry with jitter. */
  backoffMs?: number;
  fetch?: typeof fetch;
}

const insufficientSchema = z.object({
  code: z.literal("inventory_insufficient"),
  items: z.array(z.object({ sku: z.string(), variantKey: z.string(), requested: z.number(), available: z.number() })),
});

/** The authority's 400: it read the cart and refused it, field by field. */
const refusedSchema = z.object({
  code: z.literal("validation_failed"),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).min(1),
});

/**
 * Asks the CMS inventory authority whether a cart can be filled, for workers
 * that cannot reach the database. Fails closed: anything but a clear answer
 * (200 or 409 with the short items) is an `unavailable` error, never a guess;
 * a cart the authority refuses as malformed (its 400 with field errors) is a
 * `validation_failed` naming the fields (`items.N.<field>`), never admitted.
 * Network errors, timeouts and 5xx are retried a bounded number of times.
 */
export class InventoryAuthorityClient {
  private readonly options: Required<Omit<InventoryAuthorityClientOptions, "fetch">> & { fetch: typeof fetch };

  constructor(options: InventoryAuthorityClientOptions) {
    if (!options.token) throw new InventoryError("misconfigured", "The inventory authority token is not set.");
    this.options = {
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      token: options.token,
      shopId: options.shopId,
      timeoutMs: options.timeoutMs ?? 2_000,
      attempts: Math.max(1, options.attempts ?? 3),
      backoffMs: options.backoffMs ?? 100,
      // Through the global, never as a method of these options: workerd refuses a fetch called on another object
      // ("Illegal invocation").
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    };
  }

  async validate(items: AuthorityValidationItem[]): Promise<AuthorityValidation> {
    const { baseUrl, token, shopId, timeoutMs, attempts, backoffMs } = this.options;
    let lastProblem = "no attempt made";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const delay = backoffMs * 2 ** (attempt - 2);
        await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * (delay / 2)));
      }
      let response: Response;
      try {
        response = await this.options.fetch(`${baseUrl}/validate`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ shopId, items }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        lastProblem =
          error instanceof Error && error.name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : "unreachable";
        continue;
      }
      if (response.status === 200) {
        // Only the authority's own answer admits a cart: a proxy's or captive portal's 200 page does not.
        const body = (await response.json().catch(() => undefined)) as { ok?: unknown } | undefined;
        if (body?.ok === true) return { ok: true };
        lastProblem = "answered 200 without { ok: true }";
        break;
      }
      if (response.status === 409) {
        const parsed = insufficientSchema.safeParse(await response.json().catch(() => undefined));
        if (parsed.success) return { ok: false, insufficient: parsed.data.items };
        lastProblem = "answered 409 without the short items";
        break;
      }
      if (response.status === 400) {
        // The buyer's cart, not the authority, is the problem: the same on every retry, so say which fields.
        const refused = refusedSchema.safeParse(await response.json().catch(() => undefined));
        if (refused.success)
          throw InventoryError.validation(
            refused.data.errors,
            "The inventory authority refused the cart as malformed.",
          );
        lastProblem = "answered 400";
        break;
      }
      await response.body?.cancel();
      lastProblem = `answered ${response.status}`;
      // 4xx other than 409 will not change on retry (bad token, bad request): stop.
      if (response.status < 500) break;
    }
    throw new InventoryError(
      "unavailable",
      `The inventory authority could not confirm stock (${lastProblem}). Checkout is paused, not guessed.`,
      {
        details: { reason: lastProblem },
      },
    );
  }
}
