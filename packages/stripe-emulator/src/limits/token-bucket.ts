/**
 * A token bucket: it holds up to `capacity` tokens, refills at `ratePerSecond`,
 * and each admitted request takes one. With capacity equal to the rate, a
 * client may burst a full second's worth at once and then proceed at the rate.
 * Time comes from `clock` (milliseconds, monotonic), read on every call.
 */
export class TokenBucket {
  private readonly ratePerSecond: number;
  private readonly capacity: number;
  private readonly clock: () => number;
  private tokens: number;
  private updatedAt: number;

  constructor({
    ratePerSecond,
    capacity = ratePerSecond,
    clock,
  }: {
    ratePerSecond: number;
    capacity?: number;
    clock: () => number;
  }) {
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.clock = clock;
    this.tokens = capacity;
    this.updatedAt = clock();
  }

  private refill(): void {
    const now = this.clock();
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsedSeconds * this.ratePerSecond);
    this.updatedAt = now;
  }

  /** Whether a token is available now (nothing is taken). */
  hasToken(): boolean {
    if (this.ratePerSecond === Infinity) return true;
    this.refill();
    return this.tokens >= 1;
  }

  /** Takes a token; call only after `hasToken()` said yes. */
  take(): void {
    if (this.ratePerSecond === Infinity) return;
    this.tokens -= 1;
  }
}
