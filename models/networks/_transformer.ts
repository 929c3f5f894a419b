/**
 * diffusers' `Transformer2DModel` (continuous input) with its `BasicTransformerBlock`s, as used by
 * the cross-attention blocks of `UNet2DConditionModel`: GroupNorm (eps 1e-6) → `proj_in` →
 * self-attention, cross-attention and GEGLU feed-forward, each pre-LayerNorm and residual →
 * `proj_out` → + input.
 *
 * @module
 */

import { attention, conv2d, gelu, groupNorm, layerNorm, linear } from "../onnx/mod.ts";
import type { GraphBuilder, Value } from "../onnx/mod.ts";
import { fromTokens, toTokens } from "./_blocks.ts";

/** GroupNorm eps that `Transformer2DModel` hard-codes, whatever the UNet's `norm_eps`. */
const TRANSFORMER_NORM_EPS = 1e-6;
/** LayerNorm eps of `BasicTransformerBlock` (norm_eps default). */
const LAYER_NORM_EPS = 1e-5;

/** Options of {@linkcode transformer2d}. */
export interface Transformer2dOptions {
  /** Channels of the NCHW input (and output). */
  inChannels: number;
  /** Number of attention heads. */
  heads: number;
  /** Channels per head; inner width is `heads * headDim`. */
  headDim: number;
  /** Width of `encoder_hidden_states`. */
  crossAttentionDim: number;
  /** Number of `BasicTransformerBlock`s (`transformer_layers_per_block`). */
  numLayers: number;
  numGroups: number;
  /** `proj_in`/`proj_out` as Linear layers (SD 2.x) instead of 1×1 convolutions (SD 1.x). */
  useLinearProjection: boolean;
  /** Attention in float32 under float16 compute (`upcast_attention`). @default {false} */
  upcastAttention?: boolean;
}

/**
 * Builds one `Transformer2DModel` under `prefix` (e.g. `down_blocks.1.attentions.0`).
 *
 * @example Usage
 * ```ts ignore
 * const y = transformer2d(g, x, "mid_block.attentions.0", context, {
 *   inChannels: 1280, heads: 8, headDim: 160, crossAttentionDim: 768, numLayers: 1,
 *   numGroups: 32, useLinearProjection: false,
 * });
 * ```
 */
export function transformer2d(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  context: Value,
  options: Transformer2dOptions,
): Value {
  const { inChannels, heads, headDim, numGroups, useLinearProjection } = options;
  const inner = heads * headDim;
  const normed = groupNorm(g, x, `${prefix}.norm`, {
    numGroups,
    numChannels: inChannels,
    eps: TRANSFORMER_NORM_EPS,
  });
  let h: Value;
  if (useLinearProjection) {
    h = linear(g, toTokens(g, normed), `${prefix}.proj_in`, {
      inFeatures: inChannels,
      outFeatures: inner,
    });
  } else {
    const projected = conv2d(g, normed, `${prefix}.proj_in`, {
      inChannels,
      outChannels: inner,
      kernelSize: 1,
    });
    h = toTokens(g, projected);
  }
  for (let i = 0; i < options.numLayers; i++) {
    h = basicTransformerBlock(g, h, `${prefix}.transformer_blocks.${i}`, context, {
      dim: inner,
      heads,
      crossAttentionDim: options.crossAttentionDim,
      upcast: options.upcastAttention ?? false,
    });
  }
  let out: Value;
  if (useLinearProjection) {
    const projected = linear(g, h, `${prefix}.proj_out`, {
      inFeatures: inner,
      outFeatures: inChannels,
    });
    out = fromTokens(g, projected, x);
  } else {
    out = conv2d(g, fromTokens(g, h, x), `${prefix}.proj_out`, {
      inChannels: inner,
      outChannels: inChannels,
      kernelSize: 1,
    });
  }
  return g.op("Add", [out, x]);
}

interface BlockOptions {
  dim: number;
  heads: number;
  crossAttentionDim: number;
  upcast: boolean;
}

/** `BasicTransformerBlock` (layer_norm, attention_bias false, GEGLU feed-forward, mult 4). */
function basicTransformerBlock(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  context: Value,
  options: BlockOptions,
): Value {
  const { dim, heads, crossAttentionDim, upcast } = options;
  const norm = (h: Value, name: string) =>
    layerNorm(g, h, `${prefix}.${name}`, {
      dim,
      eps: LAYER_NORM_EPS,
    });
  const n1 = norm(x, "norm1");
  let h = g.op("Add", [
    attentionModule(g, n1, n1, `${prefix}.attn1`, { dim, heads, kvDim: dim, upcast }),
    x,
  ]);
  const n2 = norm(h, "norm2");
  const cross = attentionModule(g, n2, context, `${prefix}.attn2`, {
    dim,
    heads,
    kvDim: crossAttentionDim,
    upcast,
  });
  h = g.op("Add", [cross, h]);
  return g.op("Add", [gegluFeedForward(g, norm(h, "norm3"), `${prefix}.ff`, dim), h]);
}

/** diffusers `Attention` with bias-free q/k/v and a biased `to_out.0`, on [B, S, C] tokens. */
function attentionModule(
  g: GraphBuilder,
  x: Value,
  kv: Value,
  prefix: string,
  options: { dim: number; heads: number; kvDim: number; upcast: boolean },
): Value {
  const { dim, heads, kvDim, upcast } = options;
  const q = linear(g, x, `${prefix}.to_q`, { inFeatures: dim, outFeatures: dim, bias: false });
  const k = linear(g, kv, `${prefix}.to_k`, { inFeatures: kvDim, outFeatures: dim, bias: false });
  const v = linear(g, kv, `${prefix}.to_v`, { inFeatures: kvDim, outFeatures: dim, bias: false });
  const attended = attention(g, q, k, v, { heads, channels: dim, upcast });
  return linear(g, attended, `${prefix}.to_out.0`, { inFeatures: dim, outFeatures: dim });
}

/**
 * `FeedForward` with GEGLU: `net.0.proj` doubles to 2·inner, the first half is the value and the
 * second half the gate (exact erf GELU), then `net.2` projects back.
 */
function gegluFeedForward(g: GraphBuilder, x: Value, prefix: string, dim: number): Value {
  const inner = dim * 4;
  const proj = linear(g, x, `${prefix}.net.0.proj`, { inFeatures: dim, outFeatures: inner * 2 });
  const [value, gate] = g.opMulti("Split", [proj, g.constInt64([inner, inner])], 2, { axis: -1 });
  if (value === undefined || gate === undefined) throw new Error("Split returned no outputs");
  const gated = g.op("Mul", [value, gelu(g, gate)]);
  return linear(g, gated, `${prefix}.net.2`, { inFeatures: inner, outFeatures: dim });
}
