/**
 * PyTorch-module-like helpers over {@linkcode GraphBuilder}. Each takes the state-dict prefix of
 * the module it mirrors (`down_blocks.0.resnets.0.conv1`), so parameters land under diffusers' and
 * transformers' names (`<prefix>.weight`, `<prefix>.bias`), and computes what the module does in
 * the builder's `computeDType` with the same epsilon and scale conventions.
 *
 * @module
 */

import { type GraphBuilder, ONNX_ELEMENT_TYPE, type Value } from "./graph.ts";

/** Options of {@linkcode linear}. */
export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  /** Whether the layer has a bias. @default {true} */
  bias?: boolean;
}

/**
 * `torch.nn.Linear`: `x @ weightᵀ + bias` on the last axis. The weight keeps PyTorch's
 * `[out, in]` layout under its own name; the transpose is folded by the runtime at load.
 */
export function linear(g: GraphBuilder, x: Value, prefix: string, options: LinearOptions): Value {
  const { inFeatures, outFeatures, bias = true } = options;
  const weight = g.param(`${prefix}.weight`, [outFeatures, inFeatures]);
  const y = g.op("MatMul", [x, g.op("Transpose", [weight], { perm: [1, 0] })]);
  return bias ? g.op("Add", [y, g.param(`${prefix}.bias`, [outFeatures])]) : y;
}

/** Options of {@linkcode conv2d}. */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  /** @default {1} */
  stride?: number;
  /** Symmetric zero padding on each spatial side. @default {0} */
  padding?: number;
  /** @default {true} */
  bias?: boolean;
}

/** `torch.nn.Conv2d` on NCHW tensors, square kernel. */
export function conv2d(g: GraphBuilder, x: Value, prefix: string, options: Conv2dOptions): Value {
  const { inChannels, outChannels, kernelSize, stride = 1, padding = 0, bias = true } = options;
  const weight = g.param(`${prefix}.weight`, [outChannels, inChannels, kernelSize, kernelSize]);
  const inputs: Value[] = [x, weight];
  if (bias) inputs.push(g.param(`${prefix}.bias`, [outChannels]));
  return g.op("Conv", inputs, {
    kernel_shape: [kernelSize, kernelSize],
    strides: [stride, stride],
    pads: [padding, padding, padding, padding],
    dilations: [1, 1],
    group: 1,
  });
}

/** Options of {@linkcode groupNorm}. */
export interface GroupNormOptions {
  numGroups: number;
  numChannels: number;
  eps: number;
}

/**
 * `torch.nn.GroupNorm` with affine parameters on NCHW tensors, as the standard exports write it:
 * Reshape to [N, G, -1] → InstanceNormalization (two ReduceMean passes with the builder's
 * `reduceMeanGroupNorm`) → Reshape back → × weight + bias. Under float16
 * compute it stays float16, as in diffusers' float16 exports: onnxruntime's CPU and WebGPU kernels
 * accumulate the statistics in float32, and casting the norm to float32 and back did not make the
 * float16 reference UNet closer to diffusers on WebGPU (max error 0.9–1.3e-2 either way).
 */
export function groupNorm(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  options: GroupNormOptions,
): Value {
  const { numGroups, numChannels, eps } = options;
  const grouped = g.op("Reshape", [x, g.constInt64([0, numGroups, -1])]);
  const normed = g.reduceMeanGroupNorm
    ? normalizeLastAxis(g, grouped, eps)
    : g.op("InstanceNormalization", [
      grouped,
      g.constFloat(new Float32Array(numGroups).fill(1), [numGroups]),
      g.constFloat(new Float32Array(numGroups), [numGroups]),
    ], { epsilon: eps });
  const restored = g.op("Reshape", [normed, g.op("Shape", [x])]);
  const axes = g.constInt64([1, 2]);
  const weight = g.op("Unsqueeze", [g.param(`${prefix}.weight`, [numChannels]), axes]);
  const bias = g.op("Unsqueeze", [g.param(`${prefix}.bias`, [numChannels]), axes]);
  return g.op("Add", [g.op("Mul", [restored, weight]), bias]);
}

/** `(x − mean) / √(var + eps)` over the last axis of a 3-D tensor, with two `ReduceMean`s. */
function normalizeLastAxis(g: GraphBuilder, x: Value, eps: number): Value {
  const mean = g.op("ReduceMean", [x], { axes: [2], keepdims: 1 });
  const centred = g.op("Sub", [x, mean]);
  const variance = g.op("ReduceMean", [g.op("Mul", [centred, centred])], {
    axes: [2],
    keepdims: 1,
  });
  return g.op("Div", [centred, g.op("Sqrt", [g.op("Add", [variance, g.constFloat([eps])])])]);
}

/** Options of {@linkcode layerNorm}. */
export interface LayerNormOptions {
  dim: number;
  eps: number;
}

/** `torch.nn.LayerNorm` over the last axis, with affine parameters. */
export function layerNorm(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  options: LayerNormOptions,
): Value {
  return g.op("LayerNormalization", [
    x,
    g.param(`${prefix}.weight`, [options.dim]),
    g.param(`${prefix}.bias`, [options.dim]),
  ], { axis: -1, epsilon: options.eps });
}

/** SiLU / swish: `x · σ(x)`. */
export function silu(g: GraphBuilder, x: Value): Value {
  return g.op("Mul", [x, g.op("Sigmoid", [x])]);
}

/** Exact GELU: `x · ½(1 + erf(x/√2))`, PyTorch's default (not the tanh approximation). */
export function gelu(g: GraphBuilder, x: Value): Value {
  const erf = g.op("Erf", [g.op("Div", [x, g.constFloat([Math.SQRT2])])]);
  const half = g.op("Mul", [g.op("Add", [erf, g.constFloat([1])]), g.constFloat([0.5])]);
  return g.op("Mul", [x, half]);
}

/** CLIP's QuickGELU: `x · σ(1.702 x)`. */
export function quickGelu(g: GraphBuilder, x: Value): Value {
  return g.op("Mul", [x, g.op("Sigmoid", [g.op("Mul", [x, g.constFloat([1.702])])])]);
}

/** Options of {@linkcode attention}. */
export interface AttentionOptions {
  /** Number of heads; the channel axis is split into `heads` slices. */
  heads: number;
  /** Score scale. @default {headDim ** -0.5} (needs `channels` or an explicit scale) */
  scale?: number;
  /** Channels of q (needed to derive the default scale). */
  channels?: number;
  /** Additive mask broadcastable to [B, heads, Sq, Sk]. */
  mask?: Value;
  /**
   * Under float16 compute, run the attention (scores, softmax, weighted sum) in float32 and cast
   * the result back: diffusers' `upcast_attention` (SD 2.1, whose float16 scores overflow) and
   * the VAE's `force_upcast`. No effect under float32 compute. @default {false}
   */
  upcast?: boolean;
}

/**
 * Multi-head scaled dot-product attention on projected tensors: q [B, Sq, C], k and v [B, Sk, C]
 * → [B, Sq, C]. Heads are split from C; `softmax(q kᵀ · scale + mask) v` per head. When the
 * builder has `fusedAttention`, an unmasked attention with a known scale is one onnxruntime
 * `MultiHeadAttention` node on the same [B, S, C] tensors (no reshapes or transposes).
 */
export function attention(
  g: GraphBuilder,
  q: Value,
  k: Value,
  v: Value,
  options: AttentionOptions,
): Value {
  if (!options.upcast || g.computeDType !== "float16") {
    return attentionIn(g, g.computeDType, q, k, v, options);
  }
  const up = (x: Value) => g.op("Cast", [x], { to: ONNX_ELEMENT_TYPE.float32 });
  const mask = options.mask === undefined ? {} : { mask: up(options.mask) };
  const out = attentionIn(g, "float32", up(q), up(k), up(v), { ...options, ...mask });
  return g.op("Cast", [out], { to: ONNX_ELEMENT_TYPE.float16 });
}

/** {@linkcode attention} on operands of element type `dtype`. */
function attentionIn(
  g: GraphBuilder,
  dtype: "float32" | "float16",
  q: Value,
  k: Value,
  v: Value,
  options: AttentionOptions,
): Value {
  const constant = (values: number[]) =>
    dtype === "float32" ? g.constFloat32(values) : g.constFloat(values);
  const { heads } = options;
  const scale = options.scale ?? (options.channels ? (options.channels / heads) ** -0.5 : null);
  // In float16 the scale goes onto q before the product, so unscaled logits cannot pass 65504.
  const preScaled = scale !== null && dtype === "float16";
  if (preScaled) q = g.op("Mul", [q, constant([scale])]);
  if (g.fusedAttention && scale !== null && options.mask === undefined) {
    return g.contribOp("MultiHeadAttention", [q, k, v], {
      num_heads: heads,
      scale: preScaled ? 1 : scale,
    });
  }
  const split = g.constInt64([0, 0, heads, -1]);
  const qh = g.op("Transpose", [g.op("Reshape", [q, split])], { perm: [0, 2, 1, 3] });
  const kh = g.op("Transpose", [g.op("Reshape", [k, split])], { perm: [0, 2, 3, 1] });
  const vh = g.op("Transpose", [g.op("Reshape", [v, split])], { perm: [0, 2, 1, 3] });
  let scores = g.op("MatMul", [qh, kh]);
  if (scale === null) {
    // Head width only known at run time: scale = 1/sqrt(last dim of qh).
    const to = ONNX_ELEMENT_TYPE[dtype];
    const d = g.op("Cast", [g.op("Shape", [qh], { start: 3 })], { to });
    scores = g.op("Div", [scores, g.op("Sqrt", [d])]);
  } else if (!preScaled) {
    scores = g.op("Mul", [scores, constant([scale])]);
  }
  if (options.mask) scores = g.op("Add", [scores, options.mask]);
  const probs = g.op("Softmax", [scores], { axis: -1 });
  const out = g.op("Transpose", [g.op("MatMul", [probs, vh])], { perm: [0, 2, 1, 3] });
  return g.op("Reshape", [out, g.constInt64([0, 0, -1])]);
}
