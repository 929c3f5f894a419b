/**
 * Prompt encoding: the encoder interface, its caching wrapper and the Redis second level (the
 * float16 conversion of `/v1/encode` is `shared/tensor`'s).
 *
 * @module
 */
export * from "./encoder.ts";
export * from "./cached_encoder.ts";
export * from "./redis_cache.ts";
