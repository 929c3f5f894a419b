import assert from "node:assert/strict";
import { createGenerator, randn } from "../../../shared/rng/mod.ts";
import { readFixtureJson } from "../../_fixtures.ts";
import { readGolden } from "../../_npy.ts";

/** A stored randn result: all values, or first/last 64 plus spot values and exact sums. */
interface Stored {
  shape: number[];
  numel: number;
  values?: number[];
  first?: number[];
  last?: number[];
  at?: Record<string, number>;
  sum_f64?: number;
  sumsq_f64?: number;
}

interface TorchRandn {
  cases: (Stored & { id: string; seed: string })[];
  streams: { id: string; seed: string; calls: Stored[] }[];
}

const fixture = await readFixtureJson<TorchRandn>("rng/torch_randn.json");

/** Correctly rounded binary64 sum of `terms` (each a multiple of 2^-scale), computed exactly. */
function exactSum(terms: Iterable<number>, scale: number): number {
  let total = 0n;
  for (const t of terms) total += BigInt(t * 2 ** scale);
  return Number(total) * 2 ** -scale;
}

/** Asserts that `actual` equals the stored values bit for bit. */
function assertMatches(actual: Float32Array, stored: Stored, label: string): void {
  assert.equal(actual.length, stored.numel, `${label}: numel`);
  const same = (index: number, expected: number) => {
    assert.ok(
      Object.is(actual[index], expected),
      `${label}[${index}]: ${actual[index]} vs ${expected}`,
    );
  };
  if (stored.values) {
    stored.values.forEach((v, i) => same(i, v));
    return;
  }
  stored.first!.forEach((v, i) => same(i, v));
  stored.last!.forEach((v, i) => same(actual.length - stored.last!.length + i, v));
  for (const [index, v] of Object.entries(stored.at ?? {})) same(Number(index), v);
  // f32 values are multiples of 2^-149 and their squares of 2^-298: the sums are exact.
  assert.equal(exactSum(actual, 160), stored.sum_f64, `${label}: sum`);
  assert.equal(
    exactSum(Array.from(actual, (x) => x * x), 320),
    stored.sumsq_f64,
    `${label}: sumsq`,
  );
}

for (const c of fixture.cases) {
  Deno.test(`randn([${c.shape}], ${c.seed}) equals torch.randn bit for bit (${c.id})`, () => {
    assertMatches(randn(c.shape, BigInt(c.seed)), c, c.id);
  });
}

for (const stream of fixture.streams) {
  Deno.test(`successive randn calls continue torch's stream (${stream.id})`, () => {
    const generator = createGenerator(BigInt(stream.seed));
    for (const [i, call] of stream.calls.entries()) {
      assertMatches(generator.randn(call.shape), call, `${stream.id} call ${i}`);
    }
  });
}

function storedValues(id: string): number[] {
  const found = fixture.cases.find((c) => c.id === id);
  assert.ok(found?.values, `fixture case ${id}`);
  return found.values;
}

Deno.test("the cached normal of a small call outlives block calls until the next small one", () => {
  const five = storedValues("seed0_shape5");
  const generator = createGenerator(0);
  assert.deepEqual(Array.from(generator.randn([3])), five.slice(0, 3));
  generator.randn([16]);
  generator.randn([1, 4, 3, 3]);
  assert.equal(generator.randn([1])[0], five[3]);
});

Deno.test("small calls split anywhere give the same values as one small call", () => {
  const fifteen = storedValues("seed42_shape15");
  const generator = createGenerator(42);
  const parts = [[1], [4], [], [2, 3], [0], [3]].map((shape) => Array.from(generator.randn(shape)));
  assert.deepEqual(parts.flat(), fifteen);
});

Deno.test("randn of a scalar shape [] draws one value like torch.randn(())", () => {
  const one = storedValues("seed1_shape1");
  assert.deepEqual(Array.from(randn([], 1)), one);
});

Deno.test("randn([1, 4, 8, 8], 42) equals the diffusers e2e initial noise", async () => {
  const golden = await readGolden("e2e.initial_noise.npy");
  assert.deepEqual(golden.shape, [1, 4, 8, 8]);
  assert.deepEqual(randn(golden.shape, 42), golden.data);
});

Deno.test("randn rejects shapes with negative or fractional dimensions", () => {
  assert.throws(() => randn([2, -1], 0), RangeError);
  assert.throws(() => randn([1.5], 0), RangeError);
  assert.throws(() => randn([NaN], 0), RangeError);
});

Deno.test("negative outputs are never -0", () => {
  const noise = randn([2, 4, 32, 32], 3);
  assert.ok(noise.every((v) => !Object.is(v, -0)));
});

Deno.test("past several refills, a partial last block is redrawn from 16 fresh uniforms", () => {
  // torch draws n uniforms, then 16 more for the last 16 values: after 4096 block values, one
  // small call (4 draws) skips the 4 unused uniforms and a 16-value call reads the fresh ones.
  const n = 3 * 4096 + 4;
  const whole = randn([n], 9);
  const generator = createGenerator(9);
  const prefix = generator.randn([3 * 4096]);
  generator.randn([1]);
  const last = generator.randn([16]);
  assert.deepEqual(whole.subarray(0, n - 16), prefix.subarray(0, n - 16));
  assert.deepEqual(whole.subarray(n - 16), last);
});
