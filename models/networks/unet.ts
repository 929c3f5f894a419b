/**
 * Builds diffusers' `UNet2DConditionModel` (Stable Diffusion 1.x/2.x layout) as an ONNX graph from
 * its `config.json`, with initializers named exactly as in the diffusers state dict. I/O follows
 * the diffusers/optimum ONNX export: `sample`, `timestep` (int64), `encoder_hidden_states` →
 * `out_sample`.
 *
 * @module
 */

import { conv2d, type GraphBuilder, groupNorm, linear, silu } from "../onnx/mod.ts";
import type { Value, WeightSource } from "../onnx/mod.ts";
import { downsample2d, resnetBlock2d, upsample2d } from "./_blocks.ts";
import { transformer2d } from "./_transformer.ts";
import { parseUnetConfig, type UnetBlockSpec, type UnetSpec } from "./_unet_config.ts";
import { networkGraph, type NetworkGraphOptions } from "./_graph_options.ts";

/** Options of {@linkcode buildUnet}. */
export type BuildUnetOptions = NetworkGraphOptions;

/**
 * Builds a `UNet2DConditionModel` graph. `config` is the diffusers `unet/config.json` object.
 *
 * @example Build the SD 1.5 UNet
 * ```ts ignore
 * const config = JSON.parse(await Deno.readTextFile("models/configs/sd15/unet.json"));
 * const g = buildUnet(config, weights);
 * await writeModel(g, "out/unet");
 * ```
 */
export function buildUnet(
  config: Record<string, unknown>,
  weights: WeightSource,
  options: BuildUnetOptions = {},
): GraphBuilder {
  const spec = parseUnetConfig(config);
  const g = networkGraph(weights, options, "unet");
  const contextDim = spec.mid?.crossAttentionDim ?? spec.down[0]!.crossAttentionDim;
  const sample = g.input("sample", "float32", ["batch", spec.inChannels, "height", "width"]);
  const timestep = g.input("timestep", "int64", ["batch"]);
  const context = g.input("encoder_hidden_states", "float32", ["batch", "sequence", contextDim]);
  // LCM-distilled UNets: optimum's name and place for the guidance embedding input.
  const timestepCond = spec.timeCondProjDim === null
    ? null
    : g.input("timestep_cond", "float32", ["batch", spec.timeCondProjDim]);

  const actTemb = silu(g, timeEmbedding(g, timestep, spec, timestepCond));
  const channels = spec.blockOutChannels;
  const input = spec.centerInputSample
    ? g.op("Sub", [g.op("Mul", [sample, g.constFloat([2])]), g.constFloat([1])])
    : sample;
  let x = conv2d(g, input, "conv_in", {
    inChannels: spec.inChannels,
    outChannels: channels[0]!,
    kernelSize: spec.convInKernel,
    padding: (spec.convInKernel - 1) / 2,
  });
  const blocks: Blocks = { g, spec, actTemb, context };

  const skips: { value: Value; channels: number }[] = [{ value: x, channels: channels[0]! }];
  spec.down.forEach((block, i) => {
    const prefix = `down_blocks.${i}`;
    const outChannels = channels[i]!;
    for (let j = 0; j < block.numLayers; j++) {
      const inChannels = j === 0 ? channels[Math.max(i - 1, 0)]! : outChannels;
      x = resnetWithAttention(blocks, x, `${prefix}`, j, block, { inChannels, outChannels });
      skips.push({ value: x, channels: outChannels });
    }
    if (i < spec.down.length - 1) {
      x = downsample2d(g, x, `${prefix}.downsamplers.0`, {
        channels: outChannels,
        padding: spec.downsamplePadding,
      });
      skips.push({ value: x, channels: outChannels });
    }
  });

  if (spec.mid !== null) x = midBlock(blocks, x, spec.mid);

  const reversed = [...channels].reverse();
  spec.up.forEach((block, i) => {
    const prefix = `up_blocks.${i}`;
    const prevOutChannels = reversed[Math.max(i - 1, 0)]!;
    const outChannels = reversed[i]!;
    for (let j = 0; j < block.numLayers; j++) {
      const skip = skips.pop();
      if (skip === undefined) throw new RangeError("UNet up path ran out of skip connections");
      const inChannels = (j === 0 ? prevOutChannels : outChannels) + skip.channels;
      x = g.op("Concat", [x, skip.value], { axis: 1 });
      x = resnetWithAttention(blocks, x, prefix, j, block, { inChannels, outChannels });
    }
    if (i < spec.up.length - 1) {
      x = upsample2d(g, x, `${prefix}.upsamplers.0`, {
        channels: outChannels,
        like: skips.at(-1)!.value,
      });
    }
  });

  x = groupNorm(g, x, "conv_norm_out", {
    numGroups: spec.normNumGroups,
    numChannels: channels[0]!,
    eps: spec.normEps,
  });
  x = conv2d(g, silu(g, x), "conv_out", {
    inChannels: channels[0]!,
    outChannels: spec.outChannels,
    kernelSize: spec.convOutKernel,
    padding: (spec.convOutKernel - 1) / 2,
  });
  g.output(x, "out_sample", "float32", ["batch", spec.outChannels, "height", "width"]);
  return g;
}

interface Blocks {
  g: GraphBuilder;
  spec: UnetSpec;
  actTemb: Value;
  context: Value;
}

/** `resnets.<j>` and, in cross-attention blocks, `attentions.<j>` after it. */
function resnetWithAttention(
  blocks: Blocks,
  x: Value,
  prefix: string,
  j: number,
  block: UnetBlockSpec,
  io: { inChannels: number; outChannels: number },
): Value {
  const { g, spec } = blocks;
  const h = resnetBlock2d(g, x, `${prefix}.resnets.${j}`, blocks.actTemb, {
    ...io,
    numGroups: spec.normNumGroups,
    eps: spec.normEps,
    tembChannels: spec.timeEmbedDim,
  });
  if (!block.crossAttention) return h;
  return crossAttention(blocks, h, `${prefix}.attentions.${j}`, block, io.outChannels);
}

function crossAttention(
  blocks: Blocks,
  x: Value,
  prefix: string,
  block: UnetBlockSpec,
  channels: number,
): Value {
  return transformer2d(blocks.g, x, prefix, blocks.context, {
    inChannels: channels,
    heads: block.heads,
    headDim: Math.floor(channels / block.heads),
    crossAttentionDim: block.crossAttentionDim,
    numLayers: block.transformerLayers,
    numGroups: blocks.spec.normNumGroups,
    useLinearProjection: blocks.spec.useLinearProjection,
    upcastAttention: blocks.spec.upcastAttention,
  });
}

/** `UNetMidBlock2DCrossAttn`: resnet, then (attention, resnet) pairs. */
function midBlock(blocks: Blocks, x: Value, block: UnetBlockSpec): Value {
  const { g, spec } = blocks;
  const channels = spec.blockOutChannels[spec.blockOutChannels.length - 1]!;
  const resnet = (h: Value, j: number) =>
    resnetBlock2d(g, h, `mid_block.resnets.${j}`, blocks.actTemb, {
      inChannels: channels,
      outChannels: channels,
      numGroups: spec.normNumGroups,
      eps: spec.normEps,
      tembChannels: spec.timeEmbedDim,
      outputScaleFactor: spec.midBlockScaleFactor,
    });
  let h = resnet(x, 0);
  for (let j = 0; j < block.numLayers; j++) {
    h = crossAttention(blocks, h, `mid_block.attentions.${j}`, block, channels);
    h = resnet(h, j + 1);
  }
  return h;
}

/**
 * Sinusoidal timestep features (diffusers `get_timestep_embedding`, max period 10000), plus
 * `time_embedding.cond_proj(timestep_cond)` (no bias) when the UNet has a timestep condition,
 * followed by `time_embedding.linear_1` → SiLU → `time_embedding.linear_2`.
 */
function timeEmbedding(
  g: GraphBuilder,
  timestep: Value,
  spec: UnetSpec,
  timestepCond: Value | null,
): Value {
  const dim = spec.blockOutChannels[0]!;
  if (dim % 2 !== 0) {
    throw new RangeError(
      `Cannot build UNet as 'block_out_channels[0]' must be even: current value is ${dim}`,
    );
  }
  const freqs = timestepFrequencies(dim / 2, spec.freqShift);
  const t = g.op("Unsqueeze", [g.op("Cast", [timestep], { to: 1 }), g.constInt64([1])]);
  // Arguments reach 1000 rad: float16 would lose their phase, so the features are float32.
  const args = g.op("Mul", [t, g.constFloat32(freqs, [1, freqs.length])]);
  const sin = g.op("Sin", [args]);
  const cos = g.op("Cos", [args]);
  const features = g.op("Concat", spec.flipSinToCos ? [cos, sin] : [sin, cos], { axis: -1 });
  let temb = g.toCompute(features);
  if (timestepCond !== null) {
    const cond = linear(g, timestepCond, "time_embedding.cond_proj", {
      inFeatures: spec.timeCondProjDim!,
      outFeatures: dim,
      bias: false,
    });
    temb = g.op("Add", [temb, cond]);
  }
  const hidden = linear(g, temb, "time_embedding.linear_1", {
    inFeatures: dim,
    outFeatures: spec.timeEmbedDim,
  });
  return linear(g, silu(g, hidden), "time_embedding.linear_2", {
    inFeatures: spec.timeEmbedDim,
    outFeatures: spec.timeEmbedDim,
  });
}

/**
 * `exp(-ln(10000) · i / (half - shift))` for i in [0, half), rounded step by step to float32 the
 * way PyTorch evaluates it, so the embedding matches the reference to the last bit or so.
 */
function timestepFrequencies(half: number, shift: number): Float32Array {
  const f = Math.fround;
  const logPeriod = f(-Math.log(10000));
  const denominator = f(half - shift);
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) out[i] = Math.exp(f(f(logPeriod * i) / denominator));
  return out;
}
