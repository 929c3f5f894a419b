/**
 * The graph options the UNet and VAE builders share (names, dtypes, attention and GroupNorm
 * lowering) and the one place that turns them into a `GraphBuilder`.
 *
 * @module
 */

import { GraphBuilder, type WeightSource } from "../onnx/mod.ts";

/** Options of the UNet and VAE builders. */
export interface NetworkGraphOptions {
  /** Graph name. @default {the network's: "unet", "vae_decoder" or "vae_encoder"} */
  name?: string;
  /** Storage type of the weights. @default {computeDType} */
  weightDType?: "float32" | "float16";
  /**
   * Element type of the computation: `float16` stores the weights as float16 and uses them
   * directly (see `GraphBuilderOptions.computeDType`); a UNet's timestep features stay float32.
   * @default {"float32"}
   */
  computeDType?: "float32" | "float16";
  /** Element type of the float inputs and outputs (cast inside the graph). @default {"float32"} */
  ioDType?: "float32" | "float16";
  /**
   * Attention as onnxruntime's fused `MultiHeadAttention` (onnxruntime only; see
   * `GraphBuilderOptions.fusedAttention`). @default {false}
   */
  fusedAttention?: boolean;
  /** GroupNorm as `ReduceMean`s (see `GraphBuilderOptions.reduceMeanGroupNorm`). @default {false} */
  reduceMeanGroupNorm?: boolean;
}

/** A `GraphBuilder` for one network, named `name` unless the options say otherwise. */
export function networkGraph(
  weights: WeightSource,
  options: NetworkGraphOptions,
  name: string,
): GraphBuilder {
  return new GraphBuilder({
    name: options.name ?? name,
    weights,
    ...(options.weightDType === undefined ? {} : { weightDType: options.weightDType }),
    ...(options.ioDType === undefined ? {} : { ioDType: options.ioDType }),
    ...(options.computeDType === undefined ? {} : { computeDType: options.computeDType }),
    ...(options.fusedAttention === undefined ? {} : { fusedAttention: options.fusedAttention }),
    ...(options.reduceMeanGroupNorm ? { reduceMeanGroupNorm: true } : {}),
  });
}
