import assert from "node:assert/strict";
import { createGenerator, randn } from "../../../shared/rng/mod.ts";
import { readFixtureJson } from "../../_fixtures.ts";

const fixture = await readFixtureJson<{ cases: { id: string; values?: number[] }[] }>(
  "rng/torch_randn.json",
);
const seed0Shape17 = fixture.cases.find((c) => c.id === "seed0_shape17")!.values!;
const TWO_64 = 1n << 64n;

Deno.test("seeds 0, 2^32 and 2^63 give torch's seed-0 stream (only seed mod 2^32 matters)", () => {
  for (const seed of [0, 2 ** 32, 2 ** 63, 1n << 32n, 1n << 63n, 5n << 32n]) {
    assert.deepEqual(Array.from(randn([17], seed)), seed0Shape17, `seed ${seed}`);
  }
});

Deno.test("seed -1 is 2^64 - 1, and both share a stream with 2^63 - 1", () => {
  assert.equal(createGenerator(-1).seed, TWO_64 - 1n);
  assert.equal(createGenerator(-1n).seed, TWO_64 - 1n);
  const expected = randn([40], TWO_64 - 1n);
  assert.deepEqual(randn([40], -1), expected);
  assert.deepEqual(randn([40], (1n << 63n) - 1n), expected);
  assert.notDeepEqual(randn([40], 0), expected);
});

Deno.test("the generator's seed is the given seed normalised to [0, 2^64)", () => {
  assert.equal(createGenerator(42).seed, 42n);
  assert.equal(createGenerator(2 ** 53).seed, 1n << 53n);
  assert.equal(createGenerator(-(2 ** 63)).seed, 1n << 63n);
  assert.equal(createGenerator(-(1n << 63n)).seed, 1n << 63n);
  assert.equal(createGenerator(TWO_64 - 1n).seed, TWO_64 - 1n);
  assert.equal(createGenerator(-5n).seed, TWO_64 - 5n);
});

Deno.test("seeds outside [-2^63, 2^64 - 1] or not integers throw RangeError", () => {
  const bad: (number | bigint)[] = [
    TWO_64,
    2 ** 64,
    -(1n << 63n) - 1n,
    -(2 ** 64),
    1.5,
    NaN,
    Infinity,
    -Infinity,
  ];
  for (const seed of bad) {
    assert.throws(() => createGenerator(seed), RangeError, `seed ${seed}`);
    assert.throws(() => randn([1], seed), RangeError, `seed ${seed}`);
  }
  assert.throws(() => createGenerator("1" as unknown as number), RangeError);
});
