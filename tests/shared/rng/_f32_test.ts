import assert from "node:assert/strict";
import { f32, fma32 } from "../../../shared/rng/_f32.ts";

/** a·b + c rounded once to float32 (half to even), from exact integer arithmetic. */
function exactFma(a: number, b: number, c: number): number {
  // Every float32 is an integer multiple of 2^-149, so the sum is N · 2^-298 exactly.
  const scaled = (x: number) => BigInt(x * 2 ** 149);
  const n = scaled(a) * scaled(b) + scaled(c) * (1n << 149n);
  if (n === 0n) return 0;
  const sign = n < 0n ? -1 : 1;
  const magnitude = n < 0n ? -n : n;
  const shift = magnitude.toString(2).length - 24;
  if (shift <= 0) return sign * Number(magnitude) * 2 ** -298;
  let q = magnitude >> BigInt(shift);
  const rest = magnitude - (q << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  return sign * Number(q) * 2 ** (shift - 298);
}

/** A deterministic float32 with a random mantissa and an exponent in [-8, 8). */
function randomF32(next: () => number): number {
  const mantissa = 1 + Math.floor(next() * 2 ** 23) / 2 ** 23;
  const exponent = Math.floor(next() * 16) - 8;
  return (next() < 0.5 ? -1 : 1) * mantissa * 2 ** exponent;
}

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

Deno.test("f32() reads IEEE 754 bit patterns", () => {
  assert.equal(f32(0x3f800000), 1);
  assert.equal(f32(0xbf000000), -0.5);
  assert.equal(f32(0x40c90fdb), Math.fround(2 * Math.PI));
  assert.equal(f32(0x00000001), 2 ** -149);
});

Deno.test("fma32() rounds a·b + c once where the binary64 sum lands on a float32 midpoint", () => {
  // p + c = 1 + 2^-23 + 2^-24 − 2^-64: binary64 rounds to the midpoint, the true sum is below it.
  const a = 1 + 2 ** -20;
  const b = 2 ** -24 * (1 - 2 ** -20);
  const c = 1 + 2 ** -23;
  assert.equal(Math.fround(a * b + c), 1 + 2 ** -22, "naive double rounding goes up");
  assert.equal(fma32(a, b, c), 1 + 2 ** -23);
  assert.equal(fma32(-a, b, -c), -(1 + 2 ** -23));
  // Above the midpoint: the true sum rounds up even though the tie would go to even (down).
  const up = fma32(1 - 2 ** -20, -(2 ** -24) * (1 - 2 ** -20), 1 + 2 ** -22);
  assert.equal(up, exactFma(1 - 2 ** -20, -(2 ** -24) * (1 - 2 ** -20), 1 + 2 ** -22));
  for (const [x, y, z] of [[a, b, c], [a, -b, c], [3, 5, 7], [0.1, 0.2, 0.3].map(Math.fround)]) {
    assert.equal(fma32(x!, y!, z!), exactFma(x!, y!, z!), `${x} ${y} ${z}`);
  }
});

Deno.test("fma32() equals exactly rounded a·b + c on 200,000 random float32 triples", () => {
  const next = lcg(12345);
  for (let i = 0; i < 200_000; i++) {
    const a = randomF32(next);
    const b = randomF32(next);
    // Bias c towards −a·b's magnitude so that cancellation and midpoints occur.
    const c = i % 2 === 0 ? randomF32(next) : Math.fround(-a * b * (1 + (next() - 0.5) * 2 ** -20));
    assert.equal(fma32(a, b, c), exactFma(a, b, c), `fma32(${a}, ${b}, ${c})`);
  }
});
