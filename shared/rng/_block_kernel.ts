/**
 * The float32 Box-Muller block of torch.randn for 16 or more values: PyTorch's AVX2 kernel, which
 * evaluates log, sin and cos with Cephes-style float32 polynomials (avx_mathfun) eight lanes at a
 * time. Lanes are independent, so any number of them can be evaluated together; every step is
 * rounded to float32 exactly as the compiled kernel rounds it, fused multiply-adds included.
 *
 * @module
 */

import { f32, fma32 } from "./_f32.ts";

const fround = Math.fround;
const TWO_POW_M24 = 2 ** -24;

const SQRTHF = f32(0x3f3504f3);
const [P0, P1, P2, P3, P4, P5, P6, P7, P8] = [
  0x3d9021bb,
  0xbdebd1b8,
  0x3def251a,
  0xbdfe5d4f,
  0x3e11e9bf,
  0xbe2aae50,
  0x3e4cceac,
  0xbe7ffffc,
  0x3eaaaaaa,
].map(f32) as [number, number, number, number, number, number, number, number, number];
const Q1 = f32(0xb95e8083);
const Q2 = f32(0x3f318000);
const TWO_PI = f32(0x40c90fdb);
const FOPI = f32(0x3fa2f983);
const DP1 = f32(0xbf490000);
const DP2 = f32(0xb97da000);
const DP3 = f32(0xb3222169);
const C0 = f32(0x37ccf5ce);
const C1 = f32(0xbab6061a);
const C2 = f32(0x3d2aaaa5);
const S0 = f32(0xb94ca1f9);
const S1 = f32(0x3c08839e);
const S2 = f32(0xbe2aaaa3);

/** `INV_POW2[k]` = 2^-k, to scale an integer mantissa into [0.5, 1). */
const INV_POW2 = Float64Array.from({ length: 26 }, (_, k) => 2 ** -k);

/** Lanes per call of {@linkcode normalBlocks}: 8 per block of 16 values. */
export const MAX_LANES = 2048;

// Per-lane intermediates. The steps run one at a time over all lanes rather than lane by lane:
// each lane is a long chain of dependent roundings, and interleaving lanes lets them overlap.
const X = new Float64Array(MAX_LANES);
const Y = new Float64Array(MAX_LANES);
const Z = new Float64Array(MAX_LANES);
const E = new Float64Array(MAX_LANES);
const R = new Float64Array(MAX_LANES);
const J = new Int32Array(MAX_LANES);
const LOG_POLY = [P2, P3, P4, P5, P6, P7, P8];

/**
 * Transforms `count` uniforms (a multiple of 16, at most `2 · MAX_LANES`) into as many normals.
 * `words[i] & 0xFFFFFF` is the uniform `U[i]·2^24`. In each block of 16 starting at `k`, lane j
 * pairs `1 − U[k + j]` (radius) with `U[k + j + 8]` (angle) and writes the cosine term to
 * `out[to + k + j]` and the sine term to `out[to + k + j + 8]`.
 */
export function normalBlocks(
  words: Int32Array,
  count: number,
  out: Float32Array,
  to: number,
): void {
  const lanes = count >> 1;
  for (let l = 0; l < lanes; l++) logStart(l, 0x1000000 - (words[slot(l)]! & 0xffffff));
  for (const p of LOG_POLY) {
    for (let l = 0; l < lanes; l++) Y[l] = fma32(Y[l]!, X[l]!, p);
  }
  for (let l = 0; l < lanes; l++) R[l] = logFinish(X[l]!, Y[l]!, Z[l]!, E[l]!);
  for (let l = 0; l < lanes; l++) reduceAngle(l, words[slot(l) + 8]! & 0xffffff);
  for (let l = 0; l < lanes; l++) {
    const z = Z[l]!;
    let c = fma32(C0, z, C1);
    c = fma32(c, z, C2);
    c = fround(c * z);
    c = fma32(c, z, -(z * 0.5));
    Y[l] = fround(c + 1);
  }
  for (let l = 0; l < lanes; l++) {
    const x = X[l]!;
    const z = Z[l]!;
    let s = fma32(S0, z, S1);
    s = fma32(s, z, S2);
    s = fround(s * z);
    s = fma32(s, x, x);
    const c = Y[l]!;
    const j = J[l]!;
    let sin = (j & 2) === 0 ? s : c;
    let cos = (j & 2) === 0 ? c : s;
    if ((j & 4) !== 0) sin = -sin;
    if (((j - 2) & 4) === 0) cos = -cos;
    const at = to + slot(l);
    const radius = R[l]!;
    // `+ 0` turns a negative zero into +0 like the kernel's output; the products are exact.
    out[at] = radius * cos + 0;
    out[at + 8] = radius * sin + 0;
  }
}

/** Index of lane `l`'s first uniform: lane j of block b reads `U[16b + j]` and `U[16b + j + 8]`. */
function slot(l: number): number {
  return ((l >> 3) << 4) + (l & 7);
}

/**
 * First steps of `log(u1)` for `u1 = w·2^-24`, `w` in [1, 2^24]. The float32 exponent and mantissa
 * of `u1` come from the integer directly: its top bit `h` gives `u1 = m·2^(h−23)`, m in [0.5, 1).
 */
function logStart(l: number, w: number): void {
  const h = 31 - Math.clz32(w);
  const m = w * INV_POW2[h + 1]!;
  let e = h - 23;
  let x: number;
  if (m < SQRTHF) {
    e -= 1;
    x = fround(m - 1 + m);
  } else {
    x = m - 1;
  }
  X[l] = x;
  E[l] = e;
  Z[l] = fround(x * x);
  Y[l] = fma32(P0, x, P1);
}

/** The rest of `log(u1)` after the polynomial `y`, then `sqrt(−2·log(u1))`. */
function logFinish(x: number, y: number, z: number, e: number): number {
  y = fround(y * x);
  y = fma32(y, z, fround(e * Q1));
  y = fround(y - z * 0.5);
  const log = fma32(e, Q2, fround(x + y));
  return fround(Math.sqrt(-2 * log));
}

/** θ = 2π·u2 reduced to [−π/4, π/4]: octant `J`, remainder `X`, its square `Z`. */
function reduceAngle(l: number, u24: number): void {
  const theta = fround(TWO_PI * (u24 * TWO_POW_M24));
  const j = ((fround(theta * FOPI) | 0) + 1) & ~1;
  let x = fma32(j, DP1, theta);
  x = fma32(j, DP2, x);
  x = fma32(j, DP3, x);
  J[l] = j;
  X[l] = x;
  Z[l] = fround(x * x);
}
