/**
 * float32 ↔ IEEE 754 binary16 conversion, the one copy: at the ONNX session boundary (float16
 * models take and give half floats), in `/v1/encode?dtype=float16` responses, in float16 weight
 * files and when reading float16 safetensors. Round to nearest even; the native `Float16Array`
 * where the engine has one.
 *
 * @module
 */

/** A native `Float16Array`, typed without assuming the lib has it. */
export type Float16ArrayLike = ArrayLike<number> & { readonly length: number };
type Float16ArrayConstructor = {
  from(values: ArrayLike<number>): Float16ArrayLike;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): Float16ArrayLike;
};

const NativeFloat16 = (globalThis as { Float16Array?: Float16ArrayConstructor }).Float16Array;

const scratch = new DataView(new ArrayBuffer(4));

/**
 * The float16 bit pattern nearest to a float32 value (ties to even; overflow to ±Infinity).
 *
 * @example
 * ```ts
 * import { toFloat16Bits } from "./float16.ts";
 * console.log(toFloat16Bits(1).toString(16)); // 3c00
 * ```
 */
export function toFloat16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the implicit-one mantissa into place, then round to nearest even.
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    const round = rest > midpoint || (rest === midpoint && (half & 1) === 1) ? 1 : 0;
    return sign | (half + round);
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  const round = rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  return sign | (half + round);
}

/**
 * The value of a float16 bit pattern.
 *
 * @example
 * ```ts
 * import { fromFloat16Bits } from "./float16.ts";
 * console.log(fromFloat16Bits(0xc000)); // -2
 * ```
 */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * float32 values as float16 bit patterns (what a little-endian file or response holds).
 *
 * @example
 * ```ts
 * import { toFloat16Array } from "./float16.ts";
 * console.log([...toFloat16Array(Float32Array.of(1, -2))]); // [ 15360, 49152 ]
 * ```
 */
export function toFloat16Array(values: ArrayLike<number>): Uint16Array<ArrayBuffer> {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]!);
  return out;
}

/** float32 values as binary16 bytes in host order (little-endian on every supported engine). */
export function toFloat16Bytes(values: ArrayLike<number>): Uint8Array<ArrayBuffer> {
  return new Uint8Array(toFloat16Array(values).buffer);
}

/**
 * float32 values as float16 tensor data: a native `Float16Array` where available, otherwise a
 * `Uint16Array` of bit patterns (what onnxruntime accepts for float16 on older engines).
 */
export function toFloat16Data(values: ArrayLike<number>): Uint16Array | Float16ArrayLike {
  return NativeFloat16 ? NativeFloat16.from(values) : toFloat16Array(values);
}

/** float16 tensor data (native `Float16Array` or `Uint16Array` bits) as float32 values. */
export function fromFloat16Data(data: ArrayLike<number>): Float32Array {
  if (data instanceof Uint16Array) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = fromFloat16Bits(data[i]!);
    return out;
  }
  return Float32Array.from(data);
}
