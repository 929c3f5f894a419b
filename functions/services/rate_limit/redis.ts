/**
 * The token bucket in Redis, taken atomically by one Lua script that reads the server clock, so
 * every edge instance sharing the Redis shares each key's budget.
 *
 * @module
 */
import type { Redis } from "ioredis";
import { bucketResult, type RateLimiter } from "./limiter.ts";

// KEYS[1] bucket; ARGV capacity, tokens per millisecond, cost. Returns {allowed, tokens}.
// Tokens travel as strings: Redis truncates Lua numbers to integers in replies.
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate) + 1000)
return { allowed, string.format('%.6f', tokens) }
`;

/** Options of {@linkcode createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** Prefix of bucket keys. @default "sd:rl:" */
  prefix?: string;
}

/**
 * A token-bucket limiter shared through Redis.
 *
 * @example Usage
 * ```ts
 * const limiter = createRedisRateLimiter(new Redis("redis://localhost:6379"));
 * ```
 */
export function createRedisRateLimiter(
  redis: Redis,
  options: RedisRateLimiterOptions = {},
): RateLimiter {
  const prefix = options.prefix ?? "sd:rl:";
  let sha: string | null = null;
  async function run(keys: string[], args: (string | number)[]): Promise<unknown> {
    sha ??= String(await redis.script("LOAD", TAKE_SCRIPT));
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      // After a Redis restart or SCRIPT FLUSH the script must be loaded again.
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      sha = null;
      return await redis.eval(TAKE_SCRIPT, keys.length, ...keys, ...args);
    }
  }
  return {
    async take(key, tier, cost = 1) {
      const reply = await run([prefix + key], [tier.burst, tier.perMinute / 60_000, cost]);
      if (!Array.isArray(reply) || reply.length !== 2) {
        throw new TypeError("Cannot read rate limit as the Redis script returned an odd reply");
      }
      return bucketResult(tier, Number(reply[1]), Number(reply[0]) === 1, cost);
    },
  };
}
