/**
 * Convolutional building blocks shared by the UNet and the VAE, mirroring diffusers'
 * `ResnetBlock2D`, `Downsample2D`, `Upsample2D` and the VAE mid-block spatial `Attention`. Each
 * takes the state-dict prefix of the module it stands for, so initializer names are diffusers'.
 *
 * @module
 */

import { attention, conv2d, groupNorm, linear, silu } from "../onnx/mod.ts";
import type { GraphBuilder, Value } from "../onnx/mod.ts";

/** Options of {@linkcode resnetBlock2d}. */
export interface ResnetBlock2dOptions {
  inChannels: number;
  outChannels: number;
  numGroups: number;
  eps: number;
  /** Width of the time embedding; `null` for the VAE's blocks, which have no `time_emb_proj`. */
  tembChannels: number | null;
  /** `output_scale_factor`: divides the sum of shortcut and residual. @default {1} */
  outputScaleFactor?: number;
}

/**
 * diffusers `ResnetBlock2D` (time_embedding_norm "default", SiLU): norm1 → silu → conv1
 * (+ time_emb_proj of the already-activated time embedding) → norm2 → silu → conv2, plus the
 * shortcut (a 1×1 `conv_shortcut` when the channel count changes).
 *
 * @example Usage
 * ```ts ignore
 * const h = resnetBlock2d(g, x, "down_blocks.0.resnets.0", actTemb, {
 *   inChannels: 320, outChannels: 320, numGroups: 32, eps: 1e-5, tembChannels: 1280,
 * });
 * ```
 */
export function resnetBlock2d(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  actTemb: Value | null,
  options: ResnetBlock2dOptions,
): Value {
  const { inChannels, outChannels, numGroups, eps, tembChannels } = options;
  let h = groupNorm(g, x, `${prefix}.norm1`, { numGroups, numChannels: inChannels, eps });
  h = silu(g, h);
  h = conv2d(g, h, `${prefix}.conv1`, {
    inChannels,
    outChannels,
    kernelSize: 3,
    padding: 1,
  });
  if (tembChannels !== null) {
    if (actTemb === null) {
      throw new TypeError(`Cannot build '${prefix}' as it needs a time embedding: none was given`);
    }
    const t = linear(g, actTemb, `${prefix}.time_emb_proj`, {
      inFeatures: tembChannels,
      outFeatures: outChannels,
    });
    h = g.op("Add", [h, g.op("Unsqueeze", [t, g.constInt64([2, 3])])]);
  }
  h = groupNorm(g, h, `${prefix}.norm2`, { numGroups, numChannels: outChannels, eps });
  h = silu(g, h);
  h = conv2d(g, h, `${prefix}.conv2`, {
    inChannels: outChannels,
    outChannels,
    kernelSize: 3,
    padding: 1,
  });
  const shortcut = inChannels === outChannels ? x : conv2d(g, x, `${prefix}.conv_shortcut`, {
    inChannels,
    outChannels,
    kernelSize: 1,
  });
  const sum = g.op("Add", [shortcut, h]);
  const scale = options.outputScaleFactor ?? 1;
  return scale === 1 ? sum : g.op("Div", [sum, g.constFloat([scale])]);
}

/** Options of {@linkcode downsample2d}. */
export interface Downsample2dOptions {
  channels: number;
  /**
   * `downsample_padding`: 1 pads the 3×3 stride-2 conv symmetrically (UNet); 0 pads only the
   * bottom and right by one pixel (the VAE encoder's `F.pad(x, (0, 1, 0, 1))`).
   */
  padding: 0 | 1;
}

/**
 * diffusers `Downsample2D` with a conv: a 3×3 stride-2 convolution named `<prefix>.conv`.
 *
 * @example Usage
 * ```ts ignore
 * const y = downsample2d(g, x, "down_blocks.0.downsamplers.0", { channels: 320, padding: 1 });
 * ```
 */
export function downsample2d(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  options: Downsample2dOptions,
): Value {
  const { channels, padding } = options;
  const name = `${prefix}.conv`;
  if (padding === 1) {
    return conv2d(g, x, name, {
      inChannels: channels,
      outChannels: channels,
      kernelSize: 3,
      stride: 2,
      padding: 1,
    });
  }
  // The asymmetric zero pad goes into the Conv's own `pads`, saving a separate Pad node.
  const weight = g.param(`${name}.weight`, [channels, channels, 3, 3]);
  const bias = g.param(`${name}.bias`, [channels]);
  return g.op("Conv", [x, weight, bias], {
    kernel_shape: [3, 3],
    strides: [2, 2],
    pads: [0, 0, 1, 1],
  });
}

/**
 * diffusers `Upsample2D` with a conv: nearest-neighbour 2× (PyTorch `interpolate(mode="nearest")`
 * = ONNX Resize asymmetric/floor) followed by a 3×3 conv named `<prefix>.conv`. With `like`, the
 * output takes the spatial size of that tensor instead (diffusers' `upsample_size`, which the UNet
 * passes from the next skip connection so that latents whose sides are not a multiple of
 * 2^upsamplers still line up: 9 → 5 → 9, not 10); for even sides it is the same 2×.
 *
 * @example Usage
 * ```ts ignore
 * const y = upsample2d(g, x, "up_blocks.0.upsamplers.0", { channels: 1280 });
 * ```
 */
export function upsample2d(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  options: { channels: number; like?: Value },
): Value {
  const nearest = {
    mode: "nearest",
    coordinate_transformation_mode: "asymmetric",
    nearest_mode: "floor",
  };
  const up = options.like === undefined
    ? g.op("Resize", [x, "", g.constFloat32([1, 1, 2, 2])], nearest)
    : g.op("Resize", [
      x,
      "",
      "",
      g.op("Concat", [
        g.op("Shape", [x], { start: 0, end: 2 }),
        g.op("Shape", [options.like], { start: 2, end: 4 }),
      ], { axis: 0 }),
    ], nearest);
  return conv2d(g, up, `${prefix}.conv`, {
    inChannels: options.channels,
    outChannels: options.channels,
    kernelSize: 3,
    padding: 1,
  });
}

/** Options of {@linkcode spatialSelfAttention}. */
export interface SpatialSelfAttentionOptions {
  channels: number;
  numGroups: number;
  eps: number;
  /** Number of heads; the VAE uses 1 head over all channels. @default {1} */
  heads?: number;
  /** Attention in float32 under float16 compute (the VAE's `force_upcast`). @default {false} */
  upcast?: boolean;
}

/**
 * The VAE mid-block `Attention` (AttnProcessor on a 4-D input): `group_norm` → tokens
 * [B, H·W, C] → `to_q`/`to_k`/`to_v` (with bias) → softmax attention → `to_out.0` → back to NCHW,
 * plus the residual.
 *
 * @example Usage
 * ```ts ignore
 * const y = spatialSelfAttention(g, x, "decoder.mid_block.attentions.0", {
 *   channels: 512, numGroups: 32, eps: 1e-6,
 * });
 * ```
 */
export function spatialSelfAttention(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  options: SpatialSelfAttentionOptions,
): Value {
  const { channels, numGroups, eps } = options;
  const normed = groupNorm(g, x, `${prefix}.group_norm`, {
    numGroups,
    numChannels: channels,
    eps,
  });
  const tokens = toTokens(g, normed);
  const proj = (name: string) =>
    linear(g, tokens, `${prefix}.${name}`, { inFeatures: channels, outFeatures: channels });
  const attended = attention(g, proj("to_q"), proj("to_k"), proj("to_v"), {
    heads: options.heads ?? 1,
    channels,
    upcast: options.upcast ?? false,
  });
  const out = linear(g, attended, `${prefix}.to_out.0`, {
    inFeatures: channels,
    outFeatures: channels,
  });
  return g.op("Add", [fromTokens(g, out, x), x]);
}

/** NCHW → [B, H·W, C]. */
export function toTokens(g: GraphBuilder, x: Value): Value {
  const flat = g.op("Reshape", [x, g.constInt64([0, 0, -1])]);
  return g.op("Transpose", [flat], { perm: [0, 2, 1] });
}

/** [B, H·W, C] → NCHW, taking H and W from `like` (any NCHW tensor of that spatial size). */
export function fromTokens(g: GraphBuilder, tokens: Value, like: Value): Value {
  const channelsFirst = g.op("Transpose", [tokens], { perm: [0, 2, 1] });
  const hw = g.op("Shape", [like], { start: 2 });
  const shape = g.op("Concat", [g.constInt64([0, 0]), hw], { axis: 0 });
  return g.op("Reshape", [channelsFirst, shape]);
}
