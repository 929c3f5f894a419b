/**
 * A key store in one Redis hash (field = key id, value = JSON record), shared by every edge
 * instance pointed at the same Redis.
 *
 * @module
 */
import type { Redis } from "ioredis";
import { isKeyRecord, type KeyRecord, type KeyStore } from "./store.ts";

/** Options of {@linkcode createRedisKeyStore}. */
export interface RedisKeyStoreOptions {
  /** Hash name. @default "sd:keys" */
  key?: string;
}

/**
 * A key store backed by the Redis hash `options.key`.
 *
 * @example Usage
 * ```ts
 * const store = createRedisKeyStore(new Redis("redis://localhost:6379"));
 * ```
 */
export function createRedisKeyStore(redis: Redis, options: RedisKeyStoreOptions = {}): KeyStore {
  const hash = options.key ?? "sd:keys";
  const parse = (raw: string): KeyRecord => {
    const value: unknown = JSON.parse(raw);
    if (!isKeyRecord(value)) throw new TypeError(`Cannot read key record from Redis '${hash}'`);
    return value;
  };
  return {
    async get(id) {
      const raw = await redis.hget(hash, id);
      return raw === null ? null : parse(raw);
    },
    async put(record) {
      await redis.hset(hash, record.id, JSON.stringify(record));
    },
    async list() {
      return Object.values(await redis.hgetall(hash)).map(parse);
    },
  };
}
