import assert from "node:assert/strict";
import { randomSeed } from "../../../shared/rng/mod.ts";

Deno.test("randomSeed() takes 32 bits from the injected source", () => {
  const source = {
    getRandomValues<T extends ArrayBufferView | null>(array: T): T {
      new Uint32Array(array!.buffer).fill(0xdeadbeef);
      return array;
    },
  };
  assert.equal(randomSeed(source), 0xdeadbeef);
});

Deno.test("randomSeed() defaults to crypto and returns integers in [0, 2^32)", () => {
  const seeds = Array.from({ length: 64 }, () => randomSeed());
  for (const seed of seeds) assert.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32);
  assert.ok(new Set(seeds).size > 60, "distinct seeds");
});
