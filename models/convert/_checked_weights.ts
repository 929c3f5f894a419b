/**
 * Weight-source adapters for conversion: older diffusers VAE checkpoints name the mid-block
 * attention `query`/`key`/`value`/`proj_attn` (sometimes as 1×1 convolutions) where current
 * diffusers uses `to_q`/`to_k`/`to_v`/`to_out.0`; and buffers that are not parameters
 * (`position_ids`) are not reported as extra tensors. Folder-private.
 *
 * @module
 */

import type { WeightSource } from "../onnx/mod.ts";
import type { SafetensorsWeights } from "../weights/mod.ts";

const LEGACY_ATTENTION: [RegExp, string][] = [
  [/\.to_q\.(weight|bias)$/, ".query.$1"],
  [/\.to_k\.(weight|bias)$/, ".key.$1"],
  [/\.to_v\.(weight|bias)$/, ".value.$1"],
  [/\.to_out\.0\.(weight|bias)$/, ".proj_attn.$1"],
];

/** Non-parameter buffers some checkpoints carry; they are neither converted nor "extra". */
const BUFFERS = [/(^|\.)position_ids$/];

function legacyName(file: SafetensorsWeights, name: string): string | null {
  if (file.entry(name) !== null) return null;
  for (const [pattern, replacement] of LEGACY_ATTENTION) {
    if (!pattern.test(name)) continue;
    const legacy = name.replace(pattern, replacement);
    if (file.entry(legacy) !== null) return legacy;
  }
  return null;
}

/**
 * Wraps an opened safetensors file: resolves legacy attention names and accepts 1×1 convolution
 * shapes for linear weights, delegating everything else (and its errors) to the file.
 */
export function checkpointWeights(file: SafetensorsWeights): WeightSource {
  return {
    get(name, shape) {
      const legacy = legacyName(file, name);
      if (legacy === null) return file.get(name, shape);
      const stored = file.entry(legacy)!.shape;
      const isConv1x1 = stored.length === shape.length + 2 && stored.at(-1) === 1 &&
        stored.at(-2) === 1;
      return file.get(legacy, isConv1x1 ? stored : shape);
    },
  };
}

/** Tensors of the file that no builder asked for, buffers excluded. */
export function extraTensors(file: SafetensorsWeights): string[] {
  return file.unused().filter((name) => !BUFFERS.some((pattern) => pattern.test(name)));
}
