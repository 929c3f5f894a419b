/**
 * Tensors without a runtime: element types, `TensorSpec`, element counts and float16
 * conversion. Used by `shared/ort`, `models/` and the edge's encoder.
 *
 * @module
 */

export { BYTES_PER_ELEMENT, elementCount, type TensorDType, type TensorSpec } from "./spec.ts";
export {
  type Float16ArrayLike,
  fromFloat16Bits,
  fromFloat16Data,
  toFloat16Array,
  toFloat16Bits,
  toFloat16Bytes,
  toFloat16Data,
} from "./float16.ts";
