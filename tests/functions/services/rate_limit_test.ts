import assert from "node:assert/strict";
import { Redis } from "ioredis";
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
} from "../../../functions/services/rate_limit/mod.ts";
import { startRedis } from "../_harness.ts";

const TIER = { burst: 3, perMinute: 60 }; // one token per second

Deno.test("memory limiter: a burst drains the bucket, time refills it at the tier's rate", async () => {
  let now = 1_000_000;
  const limiter = createMemoryRateLimiter({ now: () => now });
  const results = [];
  for (let i = 0; i < 4; i++) results.push(await limiter.take("k", TIER));
  assert.deepEqual(results.map((r) => r.allowed), [true, true, true, false]);
  assert.deepEqual(results.map((r) => r.remaining), [2, 1, 0, 0]);
  assert.equal(results[3]!.retryAfterSeconds, 1);
  assert.equal(results[3]!.resetSeconds, 3);
  now += 1500;
  assert.equal((await limiter.take("k", TIER)).allowed, true);
  assert.equal((await limiter.take("k", TIER)).allowed, false);
  assert.equal((await limiter.take("other", TIER)).allowed, true, "buckets are per key");
});

Deno.test("Redis limiter: the Lua bucket is atomic and shared by separate clients", async () => {
  const redis = await startRedis();
  if (redis === null) return;
  const a = new Redis(redis.url);
  const b = new Redis(redis.url);
  try {
    const limiterA = createRedisRateLimiter(a);
    const limiterB = createRedisRateLimiter(b);
    const tier = { burst: 10, perMinute: 6 }; // refill is negligible during the test
    const takes = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? limiterA : limiterB).take("shared", tier)),
    );
    assert.equal(takes.filter((r) => r.allowed).length, 10);
    const denied = takes.find((r) => !r.allowed)!;
    assert.equal(denied.limit, 10);
    assert.equal(denied.remaining, 0);
    assert.ok(denied.retryAfterSeconds >= 9 && denied.retryAfterSeconds <= 10);
    // After SCRIPT FLUSH the limiter reloads its script.
    await a.script("FLUSH");
    assert.equal((await limiterA.take("fresh", tier)).allowed, true);
    assert.ok((await a.pttl("sd:rl:fresh")) > 0, "buckets expire");
  } finally {
    a.disconnect();
    b.disconnect();
    await redis.stop();
  }
});
