import assert from "node:assert/strict";
import { Mt19937 } from "../../../shared/rng/_mt19937.ts";

// Reference outputs of genrand_int32 for the canonical seed 5489: the first value and the
// 10000th, which C++11 requires of std::mt19937 ([rand.predef]).
Deno.test("Mt19937 seeded with 5489 gives 3499211612 first and 4123659995 as output 10000", () => {
  const engine = new Mt19937(5489);
  const words = new Int32Array(10_000);
  engine.fill(words, 1);
  assert.equal(words[0]! >>> 0, 3499211612);
  engine.fill(words, 9_999);
  assert.equal(words[9_998]! >>> 0, 4123659995);
});

Deno.test("Mt19937.fill() continues one stream however the draws are split", () => {
  const whole = new Int32Array(2000);
  new Mt19937(7).fill(whole, 2000);
  const engine = new Mt19937(7);
  const parts: number[] = [];
  for (const count of [1, 623, 1, 700, 675]) {
    const chunk = new Int32Array(count);
    engine.fill(chunk, count);
    parts.push(...chunk);
  }
  assert.deepEqual(parts, Array.from(whole));
});
