/**
 * Prompt encoding: the encoder interface, its caching wrapper, the Redis second level and the
 * float16 conversion used by `/v1/encode`.
 *
 * @module
 */
export * from "./encoder.ts";
export * from "./cached_encoder.ts";
export * from "./redis_cache.ts";
export * from "./float16.ts";
