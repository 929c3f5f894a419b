/**
 * Token-bucket rate limiting per key: the interface, the shared arithmetic and the in-memory
 * limiter (one process). `redis.ts` implements the same bucket atomically in Redis so that many
 * edge instances share one budget.
 *
 * @module
 */
import type { RateLimitTier } from "../../config.ts";

/** Result of taking tokens from a bucket. */
export interface RateLimitResult {
  allowed: boolean;
  /** Bucket capacity (`RateLimit-Limit`). */
  limit: number;
  /** Whole tokens left (`RateLimit-Remaining`). */
  remaining: number;
  /** Seconds until the bucket is full again (`RateLimit-Reset`). */
  resetSeconds: number;
  /** Seconds until the request could succeed (`Retry-After`); 0 when allowed. */
  retryAfterSeconds: number;
}

/** A rate limiter. */
export interface RateLimiter {
  /** Takes `cost` tokens from the bucket `key` configured as `tier`. */
  take(key: string, tier: RateLimitTier, cost?: number): Promise<RateLimitResult>;
}

/** Builds a result from the bucket level after a take. */
export function bucketResult(
  tier: RateLimitTier,
  tokens: number,
  allowed: boolean,
  cost: number,
): RateLimitResult {
  const perSecond = tier.perMinute / 60;
  return {
    allowed,
    limit: tier.burst,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.max(0, Math.ceil((tier.burst - tokens) / perSecond)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((cost - tokens) / perSecond)),
  };
}

/** Options of {@linkcode createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Clock in milliseconds. @default Date.now */
  now?: () => number;
  /** Buckets kept before the oldest are dropped. @default 100000 */
  maxBuckets?: number;
}

/**
 * A token-bucket limiter in process memory.
 *
 * @example Usage
 * ```ts
 * const limiter = createMemoryRateLimiter();
 * const result = await limiter.take("key:abc", { burst: 10, perMinute: 60 });
 * result.allowed; // true
 * ```
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const maxBuckets = options.maxBuckets ?? 100_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, tier, cost = 1) {
      const at = now();
      const previous = buckets.get(key);
      const refill = previous === undefined
        ? tier.burst
        : previous.tokens + (Math.max(0, at - previous.at) * tier.perMinute) / 60_000;
      let tokens = Math.min(tier.burst, refill);
      const allowed = tokens >= cost;
      if (allowed) tokens -= cost;
      buckets.delete(key); // re-insert so that Map order is least-recently-used first
      buckets.set(key, { tokens, at });
      if (buckets.size > maxBuckets) buckets.delete(buckets.keys().next().value!);
      return Promise.resolve(bucketResult(tier, tokens, allowed, cost));
    },
  };
}
