/**
 * The shared encoding cache in Redis (plain string keys with a TTL).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Redis } from "ioredis";
import type { SharedBytesCache } from "./cached_encoder.ts";

/** Options of {@linkcode createRedisBytesCache}. */
export interface RedisBytesCacheOptions {
  /** Key prefix. @default "sd:" */
  prefix?: string;
}

/**
 * A {@linkcode SharedBytesCache} in Redis.
 *
 * @example Usage
 * ```ts
 * const shared = createRedisBytesCache(new Redis("redis://localhost:6379"));
 * ```
 */
export function createRedisBytesCache(
  redis: Redis,
  options: RedisBytesCacheOptions = {},
): SharedBytesCache {
  const prefix = options.prefix ?? "sd:";
  return {
    async get(key) {
      const value = await redis.getBuffer(prefix + key);
      return value === null ? null : new Uint8Array(value);
    },
    async set(key, value, ttlSeconds) {
      await redis.set(
        prefix + key,
        Buffer.from(value.buffer, value.byteOffset, value.byteLength),
        "EX",
        ttlSeconds,
      );
    },
  };
}
