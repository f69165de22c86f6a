import { checkLimits, RATE_LIMIT_REASONS, type RateLimitReason, type StripeLimits } from "./stripe-limits.ts";
import { TokenBucket } from "./token-bucket.ts";

export type Admission = { admitted: true; release: () => void } | { admitted: false; reason: RateLimitReason };

/**
 * Decides, when an API request arrives, whether Stripe's limiters let it in.
 *
 * The checks run in a fixed order and the first that fails names the
 * reason: the endpoint's bucket, then the global bucket, then requests in
 * flight. Tokens are taken only when every check passes, so a refused request
 * costs nothing (as at Stripe, where a 429 is safe to retry after a pause).
 * An admitted request holds a concurrency slot until `release()`, which the
 * API handler calls once the response is sent.
 */
export class RequestLimiter {
  private limits: StripeLimits | false;
  private readonly clock: () => number;
  private global: TokenBucket | undefined;
  private readonly endpoints = new Map<string, TokenBucket>();
  private inFlight = 0;
  private readonly refused: Record<RateLimitReason, number> = {
    "global-rate": 0,
    "endpoint-rate": 0,
    "global-concurrency": 0,
  };

  constructor({ limits, clock = () => performance.now() }: { limits: StripeLimits | false; clock?: () => number }) {
    this.clock = clock;
    this.limits = false;
    this.setLimits(limits);
  }

  /** Replaces the limits; buckets start full again. Requests already in flight still count. */
  setLimits(limits: StripeLimits | false): void {
    this.limits = checkLimits(limits);
    this.endpoints.clear();
    this.global =
      this.limits === false
        ? undefined
        : new TokenBucket({ ratePerSecond: this.limits.globalPerSecond, clock: this.clock });
  }

  current(): StripeLimits | false {
    return this.limits === false ? false : { ...this.limits };
  }

  /** `endpoint` is the method and path template, e.g. `POST /v1/checkout/sessions/:id/expire`. */
  admit(endpoint: string): Admission {
    const limits = this.limits;
    if (limits === false || this.global === undefined) return this.hold();
    let bucket = this.endpoints.get(endpoint);
    if (bucket === undefined) {
      bucket = new TokenBucket({ ratePerSecond: limits.endpointPerSecond, clock: this.clock });
      this.endpoints.set(endpoint, bucket);
    }
    const reason: RateLimitReason | undefined = !bucket.hasToken()
      ? "endpoint-rate"
      : !this.global.hasToken()
        ? "global-rate"
        : this.inFlight >= limits.concurrency
          ? "global-concurrency"
          : undefined;
    if (reason !== undefined) {
      this.refused[reason] += 1;
      return { admitted: false, reason };
    }
    bucket.take();
    this.global.take();
    return this.hold();
  }

  private hold(): Admission {
    this.inFlight += 1;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
      },
    };
  }

  /** How many requests each limiter refused since the emulator started. */
  throttled(): Record<RateLimitReason, number> {
    return Object.fromEntries(RATE_LIMIT_REASONS.map((reason) => [reason, this.refused[reason]])) as Record<
      RateLimitReason,
      number
    >;
  }
}
