/**
 * Tensor descriptions at the ONNX boundary: element types and `TensorSpec` (name, dtype, shape),
 * what a model manifest records for each input and output and what sessions check feeds against.
 *
 * @module
 */

/** Element types that appear at the ONNX boundary of Stable Diffusion exports. */
export type TensorDType = "float32" | "float16" | "int32" | "int64" | "uint8";

/** One input or output of an ONNX graph. Symbolic (dynamic) dimensions are strings. */
export interface TensorSpec {
  /** ONNX I/O name, e.g. `sample`, `timestep`, `encoder_hidden_states`. */
  name: string;
  dtype: TensorDType;
  /** Dimensions; a string is a named dynamic axis such as `"batch"`. Empty for a scalar. */
  shape: (number | string)[];
}

/** Bytes per element of each dtype. */
export const BYTES_PER_ELEMENT: Readonly<Record<TensorDType, number>> = Object.freeze({
  float32: 4,
  float16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
});

/**
 * Elements of a tensor of shape `dims` (1 for a scalar).
 *
 * @example
 * ```ts
 * import { elementCount } from "./spec.ts";
 * console.log(elementCount([2, 4, 8, 8])); // 512
 * ```
 */
export function elementCount(dims: readonly number[]): number {
  let count = 1;
  for (const d of dims) count *= d;
  return count;
}
