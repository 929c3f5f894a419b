/**
 * Conversion of diffusers checkpoints (safetensors) to the standard ONNX layout.
 *
 * @module
 */

export {
  convertDiffusers,
  type ConvertDiffusersOptions,
  type ConvertEvent,
} from "./convert_diffusers.ts";
