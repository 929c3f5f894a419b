/**
 * Per-key token-bucket rate limiters: in memory, or shared through Redis.
 *
 * @module
 */
export * from "./limiter.ts";
export * from "./redis.ts";
