import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { createKeyService, createRedisKeyStore } from "../../../functions/services/keys/mod.ts";
import { createRedisRateLimiter } from "../../../functions/services/rate_limit/mod.ts";
import { recordingEncoder } from "../_encoder.ts";
import { serveApp, startRedis, testConfig, testDeps } from "../_harness.ts";
import { createInProcessQueue } from "../../../functions/worker/mod.ts";

const idleQueue = () => createInProcessQueue({ capacity: 16 });

Deno.test("HTTP rate limit: a burst past the limit gets 429 with Retry-After and RateLimit headers", async () => {
  const config = testConfig({ SD_RATE_SECRET_BURST: "5", SD_RATE_SECRET_PER_MIN: "6" });
  const deps = await testDeps({ config, queue: idleQueue(), encoder: recordingEncoder() });
  const { key } = await deps.keys.create("secret");
  const server = serveApp(deps);
  try {
    const statuses = [];
    let last: Response | undefined;
    for (let i = 0; i < 7; i++) {
      last = await fetch(`${server.url}/v1/models`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      statuses.push(last.status);
      if (i === 0) assert.equal(last.headers.get("RateLimit-Remaining"), "4");
      await last.body?.cancel();
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert.equal(last!.headers.get("RateLimit-Limit"), "5");
    assert.equal(last!.headers.get("RateLimit-Remaining"), "0");
    const retry = Number(last!.headers.get("Retry-After"));
    assert.ok(retry >= 9 && retry <= 10, `Retry-After ${retry}`);
    const again = await fetch(`${server.url}/v1/models`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    const body = await again.json();
    assert.equal(again.status, 429);
    assert.equal(body.error.code, "rate_limit_exceeded");
    assert.equal(body.error.type, "rate_limit_error");
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200, "health is not rate limited");
    await health.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("HTTP rate limit: two app instances share each key's budget through Redis", async () => {
  const redis = await startRedis();
  if (redis === null) return;
  const clients = [new Redis(redis.url), new Redis(redis.url)];
  const config = testConfig({
    SD_REDIS_URL: redis.url,
    SD_RATE_SECRET_BURST: "8",
    SD_RATE_SECRET_PER_MIN: "6",
  });
  const servers = await Promise.all(clients.map(async (client) =>
    serveApp(
      await testDeps({
        config,
        queue: idleQueue(),
        encoder: recordingEncoder(),
        keys: createKeyService(createRedisKeyStore(client)),
        limiter: createRedisRateLimiter(client),
      }),
    )
  ));
  try {
    // A key created through the first instance's store is known to the second one.
    const { key } = await createKeyService(createRedisKeyStore(clients[0]!)).create("secret");
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${servers[i % 2]!.url}/v1/models`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    assert.equal(statuses.filter((s) => s === 200).length, 8);
    assert.deepEqual(statuses.slice(8), [429, 429, 429, 429]);
    assert.ok(statuses.slice(0, 8).every((s) => s === 200));
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    for (const client of clients) client.disconnect();
    await redis.stop();
  }
});
