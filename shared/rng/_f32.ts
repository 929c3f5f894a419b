/**
 * float32 arithmetic on JavaScript numbers: constants from bit patterns and a fused multiply-add
 * rounded once to float32, which the compiled AVX2 kernel of torch.randn uses where the source has
 * a separate multiply and add (floating-point contraction).
 *
 * @module
 */

const bits = new DataView(new ArrayBuffer(4));

/** The float32 whose IEEE 754 bit pattern is `pattern` (e.g. `0x3f800000` → 1). */
export function f32(pattern: number): number {
  bits.setUint32(0, pattern);
  return bits.getFloat32(0);
}

/**
 * `a · b + c` rounded once to float32, for float32 `a`, `b`, `c`.
 *
 * The product is exact in binary64 and the sum is rounded once to binary64; rounding that to
 * float32 is exact except when the binary64 sum lands on a float32 midpoint while the true sum
 * does not. TwoSum gives the lost part of the sum, which then decides the side of the tie.
 */
export function fma32(a: number, b: number, c: number): number {
  const s = a * b + c;
  const r = Math.fround(s);
  // `q` is the float32 on the other side of `s` when `s` is a midpoint, `r` when `s` is a float32,
  // and no float32 otherwise (the common case, kept short so that it inlines).
  const q = 2 * s - r;
  if (Math.fround(q) !== q) return r;
  return breakTie(a * b, c, s, r, q);
}

/** float32 of `p + c` when its binary64 rounding `s` is `r` itself or the midpoint of `r`, `q`. */
function breakTie(p: number, c: number, s: number, r: number, q: number): number {
  if (q === r) return r;
  const t = s - p;
  const err = (p - (s - t)) + (c - t);
  if (err === 0) return r;
  return (err > 0) === (q > r) ? q : r;
}
