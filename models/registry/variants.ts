/**
 * Where a network's graph lives for each variant of the ONNX layouts found in the wild: the
 * standard `unet/model.onnx`, an `onnx/` subfolder (`unet/onnx/model.onnx`), and float16 copies
 * beside the float32 ones (`unet_fp16/model.onnx`, `unet/model_fp16.onnx`,
 * `unet/onnx/model_fp16.onnx`). A `fp16` hub revision is the default layout at another revision.
 *
 * @module
 */

import type { ComponentName, ModelVariant } from "../../shared/manifest.ts";

/** The variants `models add --variant` and the manifest know. */
export const MODEL_VARIANTS: readonly ModelVariant[] = ["fp32", "fp16"];

/**
 * The candidate graph paths of network `name` for `variant`, in order of preference.
 *
 * @example
 * ```ts
 * graphCandidates("unet", "fp16"); // ["unet_fp16/model.onnx", "unet/model_fp16.onnx", "unet/onnx/model_fp16.onnx"]
 * ```
 */
export function graphCandidates(name: ComponentName, variant: ModelVariant): string[] {
  return variant === "fp16"
    ? [`${name}_fp16/model.onnx`, `${name}/model_fp16.onnx`, `${name}/onnx/model_fp16.onnx`]
    : [`${name}/model.onnx`, `${name}/onnx/model.onnx`];
}

/**
 * Parses a `--variant` value.
 *
 * @throws {TypeError} for anything but `fp32` or `fp16` (`float16`/`float32` are accepted too).
 *
 * @example
 * ```ts
 * parseVariant("fp16"); // "fp16"
 * ```
 */
export function parseVariant(value: string): ModelVariant {
  const normalised = value === "float16" ? "fp16" : value === "float32" ? "fp32" : value;
  if (!(MODEL_VARIANTS as readonly string[]).includes(normalised)) {
    throw new TypeError(
      `Unknown variant '${value}': expected one of ${MODEL_VARIANTS.join(", ")}`,
    );
  }
  return normalised as ModelVariant;
}
