/**
 * `convertDiffusers`: turns a diffusers checkpoint folder (`unet/`, `vae/`, `text_encoder/` as
 * safetensors + `config.json`, `tokenizer/`, `scheduler/`) into the standard ONNX layout with the
 * project's own graph builders, then writes its manifest. Every tensor the graphs need must be in
 * the checkpoint with its exact shape, and every tensor of the checkpoint must be used: anything
 * else fails with an error naming the tensor, and nothing is left at the output path.
 *
 * @module
 */

import type { ModelManifest } from "../../shared/manifest.ts";
import {
  buildClipTextEncoder,
  buildUnet,
  buildVaeDecoder,
  buildVaeEncoder,
} from "../networks/mod.ts";
import { type GraphBuilder, type WeightSource, writeModel } from "../onnx/mod.ts";
import { openSafetensors, type SafetensorsWeights } from "../weights/mod.ts";
import { exists, readJsonIfExists, writeFileAtomic } from "../registry/_files.ts";
import { buildManifest } from "../registry/manifest.ts";
import { checkpointWeights, extraTensors } from "./_checked_weights.ts";

/** Progress of a conversion: one event per file written. */
export interface ConvertEvent {
  type: "convert";
  /** The file just written, e.g. `unet/model.onnx`, or `manifest.json` last. */
  path: string;
}

/** Options of {@linkcode convertDiffusers}. */
export interface ConvertDiffusersOptions {
  /** Manifest id. @default {the output folder's name} */
  id?: string;
  /** @default {"unknown"} */
  license?: string;
  /**
   * Storage type of the ONNX weights. With `float16` the UNet and the VAE also compute in float16
   * unless `computeDType` says otherwise; the text encoder keeps float32 compute.
   * @default {"float32"}
   */
  weightDType?: "float32" | "float16";
  /**
   * Element type the UNet and the VAE compute in. `float16` uses the float16 weights as stored,
   * with no Cast a runtime could constant-fold into float32 copies: that is what lets a full-size
   * UNet load in a browser's 4 GB wasm heap. `float32` over float16 weights casts each weight back
   * to float32 inside the graph. The text encoder always computes in float32.
   * @default {weightDType}
   */
  computeDType?: "float32" | "float16";
  /**
   * Write the UNet's and the VAE's attention as onnxruntime's fused `MultiHeadAttention`
   * (`com.microsoft`): the same outputs (relative L2 ~1e-6), a faster step and, at 64×64
   * latents, about half the peak memory of the standard MatMul–Softmax–MatMul graph. Such graphs
   * run on onnxruntime only (node, web wasm and WebGPU): pass `false` for other runtimes.
   * @default {true}
   */
  fusedAttention?: boolean;
  /** Replace an existing output folder. @default {false} */
  overwrite?: boolean;
  /** Overrides of the manifest's generation defaults (steps, guidance, scheduler, size). */
  defaults?: Partial<ModelManifest["defaults"]>;
  /**
   * Read diffusers' `fp16` variant weights (`diffusion_pytorch_model.fp16.safetensors`,
   * `model.fp16.safetensors`) where a folder has them, the plain files elsewhere.
   */
  checkpointVariant?: "fp16";
  onProgress?(event: ConvertEvent): void;
  signal?: AbortSignal;
}

type Builder = (
  config: Record<string, unknown>,
  weights: WeightSource,
  options: {
    weightDType?: "float32" | "float16";
    computeDType?: "float32" | "float16";
    fusedAttention?: boolean;
  },
) => GraphBuilder;

interface Network {
  /** Folder of the checkpoint. */
  source: "unet" | "vae" | "text_encoder";
  weightsFile: string;
  outputs: { name: string; build: Builder }[];
  /** Whether the graphs follow `computeDType` (false: always float32 compute). */
  halfCompute: boolean;
}

const NETWORKS: Network[] = [
  {
    source: "text_encoder",
    weightsFile: "model.safetensors",
    outputs: [{ name: "text_encoder", build: buildClipTextEncoder }],
    halfCompute: false,
  },
  {
    source: "unet",
    weightsFile: "diffusion_pytorch_model.safetensors",
    outputs: [{ name: "unet", build: buildUnet }],
    halfCompute: true,
  },
  {
    source: "vae",
    weightsFile: "diffusion_pytorch_model.safetensors",
    outputs: [{ name: "vae_decoder", build: buildVaeDecoder }, {
      name: "vae_encoder",
      build: buildVaeEncoder,
    }],
    halfCompute: true,
  },
];

const COPIED = ["scheduler/scheduler_config.json"];

async function requireFile(src: string, path: string): Promise<string> {
  const full = `${src}/${path}`;
  if (await exists(full)) return full;
  const bin = full.replace(/\.safetensors$/, ".bin");
  const hint = path.endsWith(".safetensors") && await exists(bin)
    ? ` (only .safetensors is read; '${path.replace(/\.safetensors$/, ".bin")}' is a pickle)`
    : "";
  throw new TypeError(`Cannot convert '${src}': '${path}' is missing${hint}`);
}

async function readConfig(src: string, path: string): Promise<Record<string, unknown>> {
  await requireFile(src, path);
  return (await readJsonIfExists(`${src}/${path}`))!;
}

function onnxModelIndex(source: Record<string, unknown> | null): Record<string, unknown> {
  const onnx = ["diffusers", "OnnxRuntimeModel"];
  return {
    _class_name: "OnnxStableDiffusionPipeline",
    _diffusers_version: source?._diffusers_version ?? "0.25.0",
    feature_extractor: [null, null],
    requires_safety_checker: false,
    safety_checker: [null, null],
    scheduler: source?.scheduler ?? ["diffusers", "PNDMScheduler"],
    text_encoder: onnx,
    tokenizer: source?.tokenizer ?? ["transformers", "CLIPTokenizer"],
    unet: onnx,
    vae_decoder: onnx,
    vae_encoder: onnx,
  };
}

async function convertNetwork(
  src: string,
  out: string,
  network: Network,
  options: ConvertDiffusersOptions,
): Promise<void> {
  const config = await readConfig(src, `${network.source}/config.json`);
  const variantFile = `${network.source}/${
    network.weightsFile.replace(/\.safetensors$/, `.${options.checkpointVariant}.safetensors`)
  }`;
  const path = options.checkpointVariant !== undefined && await exists(`${src}/${variantFile}`)
    ? `${src}/${variantFile}`
    : await requireFile(src, `${network.source}/${network.weightsFile}`);
  let file: SafetensorsWeights;
  try {
    file = await openSafetensors(path);
  } catch (error) {
    throw new TypeError(`Cannot convert '${network.source}': ${(error as Error).message}`);
  }
  try {
    for (const output of network.outputs) {
      options.signal?.throwIfAborted();
      try {
        const weightDType = options.weightDType ?? "float32";
        const computeDType = network.halfCompute ? options.computeDType ?? weightDType : "float32";
        // Masked attention (the text encoder's causal one) always keeps the standard ops.
        const graph = output.build(config, checkpointWeights(file), {
          weightDType,
          computeDType,
          fusedAttention: options.fusedAttention !== false,
        });
        await writeModel(graph, `${out}/${output.name}`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new TypeError(`Cannot convert '${network.source}' to ${output.name}: ${message}`);
      }
      await Deno.writeTextFile(`${out}/${output.name}/config.json`, json(config));
      options.onProgress?.({ type: "convert", path: `${output.name}/model.onnx` });
    }
    const extra = extraTensors(file);
    if (extra.length > 0) {
      const shown = extra.slice(0, 5).map((name) => `'${name}'`).join(", ");
      throw new TypeError(
        `Cannot convert '${network.source}': ${extra.length} tensor(s) of ${path} are not used ` +
          `by the architecture in its config.json: ${shown}${extra.length > 5 ? ", ..." : ""}`,
      );
    }
  } finally {
    file.close();
  }
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function copyTokenizer(src: string, out: string): Promise<void> {
  await requireFile(src, "tokenizer/vocab.json");
  await requireFile(src, "tokenizer/merges.txt");
  await Deno.mkdir(`${out}/tokenizer`, { recursive: true });
  for await (const entry of Deno.readDir(`${src}/tokenizer`)) {
    if (entry.isFile) {
      await Deno.copyFile(`${src}/tokenizer/${entry.name}`, `${out}/tokenizer/${entry.name}`);
    }
  }
}

/**
 * Converts the diffusers checkpoint in `src` to an ONNX model folder at `out` and returns its
 * manifest. The result is staged next to `out` and renamed into place when complete.
 *
 * @example
 * ```ts ignore
 * const manifest = await convertDiffusers("./stable-diffusion-v1-5", "models/cache/sd15", {
 *   license: "creativeml-openrail-m",
 * });
 * ```
 */
export async function convertDiffusers(
  src: string,
  out: string,
  options: ConvertDiffusersOptions = {},
): Promise<ModelManifest> {
  src = src.replace(/\/+$/, "");
  out = out.replace(/\/+$/, "");
  if (!(await Deno.stat(src).catch(() => null))?.isDirectory) {
    throw new TypeError(`Cannot convert '${src}': it is not a directory`);
  }
  if (!options.overwrite && await exists(out)) {
    throw new TypeError(`Cannot convert to '${out}': it already exists (pass --overwrite)`);
  }
  const parent = out.includes("/") ? out.slice(0, out.lastIndexOf("/")) || "/" : ".";
  const name = out.slice(out.lastIndexOf("/") + 1);
  await Deno.mkdir(parent, { recursive: true });
  const stage = await Deno.makeTempDir({ dir: parent, prefix: `.${name}.convert-` });
  try {
    for (const network of NETWORKS) await convertNetwork(src, stage, network, options);
    await copyTokenizer(src, stage);
    for (const path of COPIED) {
      await requireFile(src, path);
      await Deno.mkdir(`${stage}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
      await Deno.copyFile(`${src}/${path}`, `${stage}/${path}`);
    }
    const index = await readJsonIfExists(`${src}/model_index.json`);
    await Deno.writeTextFile(`${stage}/model_index.json`, json(onnxModelIndex(index)));
    const manifest = await buildManifest(stage, {
      ...(options.defaults ? { defaults: options.defaults } : {}),
      id: options.id ?? name,
      license: options.license ?? "unknown",
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await writeFileAtomic(`${stage}/manifest.json`, json(manifest));
    options.onProgress?.({ type: "convert", path: "manifest.json" });
    if (await exists(out)) await Deno.remove(out, { recursive: true });
    await Deno.rename(stage, out);
    return manifest;
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
}
