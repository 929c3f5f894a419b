/**
 * Builds the two halves of diffusers' `AutoencoderKL` as ONNX graphs from its `config.json`:
 * the decoder (`post_quant_conv` + `Decoder`, `latent_sample` → `sample`) and the encoder
 * (`Encoder` + `quant_conv`, `sample` → `latent_sample`, the mean of the latent distribution, and
 * `latent_parameters`, the distribution's mean ‖ log-variance).
 * Neither graph applies `scaling_factor`; callers divide or multiply by it. Every GroupNorm uses
 * eps 1e-6, as diffusers hard-codes for the VAE.
 *
 * @module
 */

import { conv2d, type GraphBuilder, groupNorm, silu } from "../onnx/mod.ts";
import type { Value, WeightSource } from "../onnx/mod.ts";
import { downsample2d, resnetBlock2d, spatialSelfAttention, upsample2d } from "./_blocks.ts";
import { parseVaeConfig, type VaeSpec } from "./_vae_config.ts";
import { networkGraph, type NetworkGraphOptions } from "./_graph_options.ts";

/** GroupNorm eps of every VAE norm (diffusers passes 1e-6 to all of them). */
const VAE_EPS = 1e-6;

/** Options of {@linkcode buildVaeDecoder} and {@linkcode buildVaeEncoder}. */
export type BuildVaeOptions = NetworkGraphOptions;

/**
 * Builds the VAE decoder graph: `latent_sample` [batch, latent_channels, h, w] →
 * `sample` [batch, out_channels, 8h, 8w] (for four blocks).
 *
 * @example Build the SD 1.5 decoder
 * ```ts ignore
 * const config = JSON.parse(await Deno.readTextFile("models/configs/sd15/vae.json"));
 * const g = buildVaeDecoder(config, weights);
 * ```
 */
export function buildVaeDecoder(
  config: Record<string, unknown>,
  weights: WeightSource,
  options: BuildVaeOptions = {},
): GraphBuilder {
  const spec = parseVaeConfig(config);
  const g = networkGraph(weights, options, "vae_decoder");
  const latent = spec.latentChannels;
  const channels = spec.blockOutChannels;
  const top = channels[channels.length - 1]!;
  const input = g.input("latent_sample", "float32", [
    "batch",
    latent,
    "latent_height",
    "latent_width",
  ]);
  let x = conv2d(g, input, "post_quant_conv", {
    inChannels: latent,
    outChannels: latent,
    kernelSize: 1,
  });
  x = conv2d(g, x, "decoder.conv_in", {
    inChannels: latent,
    outChannels: top,
    kernelSize: 3,
    padding: 1,
  });
  x = vaeMidBlock(g, x, "decoder.mid_block", spec);
  const reversed = [...channels].reverse();
  reversed.forEach((outChannels, i) => {
    const prefix = `decoder.up_blocks.${i}`;
    for (let j = 0; j <= spec.layersPerBlock; j++) {
      const inChannels = j === 0 ? reversed[Math.max(i - 1, 0)]! : outChannels;
      x = resnet(g, x, `${prefix}.resnets.${j}`, spec, inChannels, outChannels);
    }
    if (i < reversed.length - 1) {
      x = upsample2d(g, x, `${prefix}.upsamplers.0`, { channels: outChannels });
    }
  });
  x = outputHead(g, x, "decoder", spec, channels[0]!, spec.outChannels);
  g.output(x, "sample", "float32", ["batch", spec.outChannels, "height", "width"]);
  return g;
}

/**
 * Builds the VAE encoder graph: `sample` [batch, in_channels, H, W] → `latent_sample`
 * [batch, latent_channels, H/8, W/8] (for four blocks), the mean half of `quant_conv`'s output,
 * and `latent_parameters` [batch, 2·latent_channels, H/8, W/8], all of it (mean ‖ log-variance).
 *
 * @example Build the SD 1.5 encoder
 * ```ts ignore
 * const config = JSON.parse(await Deno.readTextFile("models/configs/sd15/vae.json"));
 * const g = buildVaeEncoder(config, weights);
 * ```
 */
export function buildVaeEncoder(
  config: Record<string, unknown>,
  weights: WeightSource,
  options: BuildVaeOptions = {},
): GraphBuilder {
  const spec = parseVaeConfig(config);
  const g = networkGraph(weights, options, "vae_encoder");
  const channels = spec.blockOutChannels;
  const input = g.input("sample", "float32", ["batch", spec.inChannels, "height", "width"]);
  let x = conv2d(g, input, "encoder.conv_in", {
    inChannels: spec.inChannels,
    outChannels: channels[0]!,
    kernelSize: 3,
    padding: 1,
  });
  channels.forEach((outChannels, i) => {
    const prefix = `encoder.down_blocks.${i}`;
    for (let j = 0; j < spec.layersPerBlock; j++) {
      const inChannels = j === 0 ? channels[Math.max(i - 1, 0)]! : outChannels;
      x = resnet(g, x, `${prefix}.resnets.${j}`, spec, inChannels, outChannels);
    }
    if (i < channels.length - 1) {
      x = downsample2d(g, x, `${prefix}.downsamplers.0`, { channels: outChannels, padding: 0 });
    }
  });
  const top = channels[channels.length - 1]!;
  x = vaeMidBlock(g, x, "encoder.mid_block", spec);
  const moments = 2 * spec.latentChannels;
  x = outputHead(g, x, "encoder", spec, top, moments);
  x = conv2d(g, x, "quant_conv", { inChannels: moments, outChannels: moments, kernelSize: 1 });
  // DiagonalGaussianDistribution: the mean is the first half of the channels.
  const mean = g.op("Slice", [
    x,
    g.constInt64([0]),
    g.constInt64([spec.latentChannels]),
    g.constInt64([1]),
  ]);
  g.output(mean, "latent_sample", "float32", [
    "batch",
    spec.latentChannels,
    "latent_height",
    "latent_width",
  ]);
  // The whole distribution (mean ‖ log-variance), so image to image can sample it like diffusers.
  g.output(x, "latent_parameters", "float32", ["batch", moments, "latent_height", "latent_width"]);
  return g;
}

function resnet(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  spec: VaeSpec,
  inChannels: number,
  outChannels: number,
): Value {
  return resnetBlock2d(g, x, prefix, null, {
    inChannels,
    outChannels,
    numGroups: spec.normNumGroups,
    eps: VAE_EPS,
    tembChannels: null,
  });
}

/** `UNetMidBlock2D` without time embedding: resnet → single-head attention → resnet. */
function vaeMidBlock(g: GraphBuilder, x: Value, prefix: string, spec: VaeSpec): Value {
  const channels = spec.blockOutChannels[spec.blockOutChannels.length - 1]!;
  let h = resnet(g, x, `${prefix}.resnets.0`, spec, channels, channels);
  h = spatialSelfAttention(g, h, `${prefix}.attentions.0`, {
    channels,
    numGroups: spec.normNumGroups,
    eps: VAE_EPS,
    upcast: spec.forceUpcast,
  });
  return resnet(g, h, `${prefix}.resnets.1`, spec, channels, channels);
}

/** `conv_norm_out` → SiLU → `conv_out` (3×3). */
function outputHead(
  g: GraphBuilder,
  x: Value,
  prefix: string,
  spec: VaeSpec,
  inChannels: number,
  outChannels: number,
): Value {
  const normed = groupNorm(g, x, `${prefix}.conv_norm_out`, {
    numGroups: spec.normNumGroups,
    numChannels: inChannels,
    eps: VAE_EPS,
  });
  return conv2d(g, silu(g, normed), `${prefix}.conv_out`, {
    inChannels,
    outChannels,
    kernelSize: 3,
    padding: 1,
  });
}
