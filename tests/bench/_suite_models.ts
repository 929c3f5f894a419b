/**
 * The networks the suite runs: the embedded tiny model (from the registry) and full-size SD 1.5
 * networks with seeded random weights, built once into a cache folder with ONNX external data and
 * reused by later runs. Graphs are also rebuilt shape-only to count their FLOPs for the exact
 * input shapes measured.
 */

import { createHash } from "node:crypto";
import {
  buildClipTextEncoder,
  buildUnet,
  buildVaeDecoder,
  buildVaeEncoder,
} from "../../models/networks/mod.ts";
import { countFlops, type GraphBuilder, writeModel } from "../../models/onnx/mod.ts";
import { createRandomWeights, SHAPE_ONLY_WEIGHTS } from "../../models/weights/mod.ts";
import type { WeightSource } from "../../models/onnx/mod.ts";

/** `tiny` is the embedded `tiny-sd`; `sd15` is the full-size SD 1.5 architecture. */
export type ModelSize = "tiny" | "sd15";
/** The three networks of a text-to-image run, and the VAE encoder of image to image. */
export type Component = "text_encoder" | "unet" | "vae_decoder" | "vae_encoder";

const CONFIG_FILES: Record<Component, string> = {
  text_encoder: "text_encoder.json",
  unet: "unet.json",
  vae_decoder: "vae.json",
  vae_encoder: "vae.json",
};
const CONFIG_DIRS: Record<ModelSize, string> = { tiny: "tiny-sd", sd15: "sd15" };
const MODELS = new URL("../../models/", import.meta.url);

/** The diffusers/transformers config of a network. */
export async function networkConfig(
  size: ModelSize,
  component: Component,
): Promise<Record<string, unknown>> {
  const url = new URL(`configs/${CONFIG_DIRS[size]}/${CONFIG_FILES[component]}`, MODELS);
  return JSON.parse(await Deno.readTextFile(url));
}

/** Builds the graph of a network over `weights`. */
export async function buildNetwork(
  size: ModelSize,
  component: Component,
  options: {
    weights: WeightSource;
    weightDType?: "float32" | "float16";
    fusedAttention?: boolean;
    reduceMeanGroupNorm?: boolean;
  },
): Promise<GraphBuilder> {
  const config = await networkConfig(size, component);
  const opts = options.weightDType ? { weightDType: options.weightDType } : {};
  const fused = {
    ...(options.fusedAttention ? { fusedAttention: true } : {}),
    ...(options.reduceMeanGroupNorm ? { reduceMeanGroupNorm: true } : {}),
  };
  // float16 is the layout a browser downloads (`models convert --fp16`): the UNet and VAE compute
  // in float16 on their stored weights; the text encoder keeps float32 compute.
  const compute = options.weightDType === "float16" ? { computeDType: "float16" as const } : {};
  if (component === "text_encoder") return buildClipTextEncoder(config, options.weights, opts);
  if (component === "unet") {
    return buildUnet(config, options.weights, { ...opts, ...compute, ...fused });
  }
  if (component === "vae_encoder") {
    return buildVaeEncoder(config, options.weights, { ...opts, ...compute, ...fused });
  }
  return buildVaeDecoder(config, options.weights, { ...opts, ...compute, ...fused });
}

/** Embedding width of a size's text encoder (the UNet's cross-attention width). */
export async function embeddingDim(size: ModelSize): Promise<number> {
  return (await networkConfig(size, "text_encoder")).hidden_size as number;
}

/** Input shapes of one call of a network: batch 2 (CFG) for the UNet, 1 elsewhere. */
export async function inputShapes(
  size: ModelSize,
  component: Component,
  latent: number,
): Promise<Record<string, number[]>> {
  if (component === "text_encoder") return { input_ids: [1, 77] };
  if (component === "vae_decoder") return { latent_sample: [1, 4, latent, latent] };
  if (component === "vae_encoder") return { sample: [1, 3, 8 * latent, 8 * latent] };
  return {
    sample: [2, 4, latent, latent],
    timestep: [2],
    encoder_hidden_states: [2, 77, await embeddingDim(size)],
  };
}

/** FLOPs (2 × multiply-adds of MatMul/Gemm/Conv) of one call, counted from the graph. */
export async function networkFlops(
  size: ModelSize,
  component: Component,
  latent: number,
): Promise<number> {
  const g = await buildNetwork(size, component, { weights: SHAPE_ONLY_WEIGHTS });
  return countFlops(g, await inputShapes(size, component, latent)).flops;
}

/** Feeds for one call, with seeded values (the numbers do not matter for timing). */
export function networkFeeds(
  shapes: Record<string, number[]>,
): Record<string, { data: Float32Array | Int32Array | BigInt64Array; dims: number[] }> {
  const feeds: Record<string, { data: Float32Array | Int32Array | BigInt64Array; dims: number[] }> =
    {};
  let state = 1;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (const [name, dims] of Object.entries(shapes)) {
    const count = dims.reduce((a, b) => a * b, 1);
    if (name === "input_ids") {
      feeds[name] = { data: Int32Array.from({ length: count }, (_, i) => 49406 + (i % 2)), dims };
    } else if (name === "timestep") {
      feeds[name] = { data: new BigInt64Array(count).fill(981n), dims };
    } else {
      feeds[name] = { data: Float32Array.from({ length: count }, next), dims };
    }
  }
  return feeds;
}

/** A random-weight network in the cache. */
export interface CachedNetwork {
  modelPath: string;
  /** The external data file, when the weights live beside the graph. */
  dataPath?: string;
  /** Bytes of graph + weights. */
  bytes: number;
  /** Milliseconds the build took, when it was built (now or on an earlier run). */
  buildMs: number;
  /** Whether this call built it (false: reused from the cache). */
  built: boolean;
}

/** Options of {@linkcode ensureRandomNetwork}. */
export interface EnsureNetworkOptions {
  /** Root of the benchmark model cache. */
  cacheDir: string;
  /** Storage type of the weights. @default {"float32"} */
  weightDType?: "float32" | "float16";
  /** Attention as onnxruntime's fused `MultiHeadAttention` (UNet, VAE). @default {false} */
  fusedAttention?: boolean;
  /** GroupNorm as two `ReduceMean`s instead of InstanceNormalization (UNet, VAE). @default {false} */
  reduceMeanGroupNorm?: boolean;
}

async function sourceHash(size: ModelSize, component: Component, dtype: string): Promise<string> {
  const hash = createHash("sha256").update(`bench/2\0${size}\0${component}\0${dtype}\0`);
  hash.update(JSON.stringify(await networkConfig(size, component)));
  for (const folder of ["networks/", "onnx/", "weights/"]) {
    const dir = new URL(folder, MODELS);
    const names = [];
    for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.push(entry.name);
    for (const name of names.sort()) {
      hash.update(name).update(await Deno.readFile(new URL(name, dir)));
    }
  }
  return hash.digest("hex");
}

/**
 * `component` of `size` with seeded random weights (seed 1, the same for every storage type, so
 * float16 and float32 variants hold the same values up to rounding), written once to
 * `<cacheDir>/<size>-random-<dtype>/<component>/` and reused while the network sources are
 * unchanged. Full-size networks store their weights as ONNX external data.
 */
export async function ensureRandomNetwork(
  size: ModelSize,
  component: Component,
  options: EnsureNetworkOptions,
): Promise<CachedNetwork> {
  const weightDType = options.weightDType ?? "float32";
  const variant = `${weightDType}${options.fusedAttention ? "-fused" : ""}` +
    (options.reduceMeanGroupNorm ? "-rmgn" : "");
  const dir = `${options.cacheDir}/${size}-random-${variant}/${component}`;
  const stampPath = `${dir}/bench_build.json`;
  const recipe = await sourceHash(size, component, variant);
  try {
    const stamp = JSON.parse(await Deno.readTextFile(stampPath));
    if (stamp.recipe === recipe) return { ...stamp.network, built: false };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound) && !(error instanceof SyntaxError)) throw error;
  }
  const start = performance.now();
  const g = await buildNetwork(size, component, {
    weights: createRandomWeights({ seed: 1 }),
    weightDType,
    ...(options.fusedAttention ? { fusedAttention: true } : {}),
    ...(options.reduceMeanGroupNorm ? { reduceMeanGroupNorm: true } : {}),
  });
  const written = await writeModel(g, dir, { externalData: size === "sd15" });
  const network = {
    modelPath: written.modelPath,
    ...(written.dataPath ? { dataPath: written.dataPath } : {}),
    bytes: written.bytes,
    buildMs: performance.now() - start,
  };
  await Deno.writeTextFile(`${stampPath}.incomplete`, JSON.stringify({ recipe, network }));
  await Deno.rename(`${stampPath}.incomplete`, stampPath);
  return { ...network, built: true };
}

/** The full-size SD 1.5 `component` from the cache (built on first use). */
export function ensureFullSizeNetwork(
  component: Component,
  options: EnsureNetworkOptions,
): Promise<CachedNetwork> {
  return ensureRandomNetwork("sd15", component, options);
}
