import assert from "node:assert/strict";
import { Redis } from "ioredis";
import {
  createCachedEncoder,
  createRedisBytesCache,
  deserializeEmbeddings,
  serializeEmbeddings,
} from "../../../functions/services/encoder/mod.ts";
import { expectedEmbeddings, recordingEncoder } from "../_encoder.ts";
import { startRedis } from "../_harness.ts";

const input = (prompt: string) => ({ prompt, negativePrompt: "blurry" });

Deno.test("cached encoder: LRU hits, evicts the least recently used, shares concurrent misses", async () => {
  const inner = recordingEncoder();
  const cached = createCachedEncoder(inner, { maxEntries: 2 });
  assert.equal((await cached.encode("m", input("a"))).cache, "miss");
  assert.equal((await cached.encode("m", input("a"))).cache, "memory");
  assert.equal((await cached.encode("other-model", input("a"))).cache, "miss", "keyed by model");
  assert.equal((await cached.encode("m", input("a"))).cache, "memory"); // m/a most recent now
  await cached.encode("m", input("b")); // evicts other-model/a, the least recently used
  assert.equal((await cached.encode("m", input("a"))).cache, "memory");
  assert.equal((await cached.encode("other-model", input("a"))).cache, "miss");
  const before = inner.calls;
  const results = await Promise.all([1, 2, 3].map(() => cached.encode("m", input("c"))));
  assert.equal(inner.calls - before, 1, "identical concurrent requests encode once");
  assert.deepEqual(results[0]!.embeddings, expectedEmbeddings("c", "blurry"));
});

Deno.test("serializeEmbeddings() round-trips bit for bit", () => {
  const embeddings = expectedEmbeddings("round trip", "");
  embeddings.cond[5] = -0;
  embeddings.uncond[7] = 3.4028234663852886e38;
  const back = deserializeEmbeddings(serializeEmbeddings(embeddings));
  assert.deepEqual(back, embeddings);
  assert.ok(Object.is(back.cond[5], -0));
  assert.throws(() => deserializeEmbeddings(new Uint8Array(12)), RangeError);
});

Deno.test("cached encoder: a second instance gets encodings from the shared Redis level", async () => {
  const redis = await startRedis();
  if (redis === null) return;
  const a = new Redis(redis.url);
  const b = new Redis(redis.url);
  try {
    const innerA = recordingEncoder();
    const innerB = recordingEncoder();
    const first = createCachedEncoder(innerA, { shared: createRedisBytesCache(a) });
    const second = createCachedEncoder(innerB, { shared: createRedisBytesCache(b) });
    assert.equal((await first.encode("m", input("shared"))).cache, "miss");
    const fromShared = await second.encode("m", input("shared"));
    assert.equal(fromShared.cache, "shared");
    assert.equal(innerB.calls, 0);
    assert.deepEqual(fromShared.embeddings, expectedEmbeddings("shared", "blurry"));
    assert.equal((await second.encode("m", input("shared"))).cache, "memory");
    const keys = await a.keys("sd:enc:*");
    assert.equal(keys.length, 1);
    assert.ok((await a.ttl(keys[0]!)) > 0);
  } finally {
    a.disconnect();
    b.disconnect();
    await redis.stop();
  }
});
