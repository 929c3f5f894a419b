/**
 * Per-key rate limiting after authentication: takes from the caller's token bucket, sets the
 * `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` headers, and answers 429 with
 * `Retry-After` when the bucket is empty.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { RateLimitTier } from "../config.ts";
import type { RateLimiter } from "../services/rate_limit/mod.ts";
import type { AppEnv, Tier } from "./context.ts";
import { ApiError } from "./errors.ts";

/** Options of {@linkcode rateLimit}. */
export interface RateLimitOptions {
  limiter: RateLimiter;
  tiers: Readonly<Record<Tier, RateLimitTier>>;
}

/**
 * Middleware charging one token per request to the caller's key.
 *
 * @example Usage
 * ```ts
 * app.use("*", requireAuth({ keys, tokens, scope: "encode" }), rateLimit({ limiter, tiers }));
 * ```
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const principal = c.get("principal");
    const result = await options.limiter.take(
      `key:${principal.keyId}:${principal.tier}`,
      options.tiers[principal.tier],
    );
    const headers: Record<string, string> = {
      "RateLimit-Limit": String(result.limit),
      "RateLimit-Remaining": String(result.remaining),
      "RateLimit-Reset": String(result.resetSeconds),
    };
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (!result.allowed) {
      throw new ApiError(
        429,
        "rate_limit_exceeded",
        `Rate limit reached for this key: retry in ${result.retryAfterSeconds} s`,
        { headers: { ...headers, "Retry-After": String(result.retryAfterSeconds) } },
      );
    }
    await next();
  };
}
