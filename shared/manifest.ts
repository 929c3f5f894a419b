/**
 * The model manifest: everything a host needs to run a Stable Diffusion model without reading its
 * files first. The edge serves it at `GET /v1/models/:id`; the browser SDK, the CLI and the render
 * worker read it to choose files, shapes and defaults. Plain JSON, no runtime code.
 *
 * @module
 */

import type { TensorSpec } from "./tensor/spec.ts";

export type { TensorDType, TensorSpec } from "./tensor/spec.ts";

/** A file of a model component, addressed by path relative to the model root. */
export interface ModelFile {
  /** Path relative to the model root, e.g. `unet/model.onnx`. */
  path: string;
  bytes: number;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
}

/** Names of the networks a Stable Diffusion pipeline runs. */
export type ComponentName =
  | "text_encoder"
  | "unet"
  | "vae_decoder"
  | "vae_encoder"
  | "safety_checker";

/** One ONNX network of the model. */
export interface ComponentManifest {
  /** The graph, `model.onnx`. */
  model: ModelFile;
  /** ONNX external data (`model.onnx_data`), when the weights live outside the graph. */
  externalData?: ModelFile;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /**
   * `float16` when any weight is stored as float16 (a WebGPU device then needs `shader-f16`,
   * whatever the I/O types say). Absent in manifests written before it was recorded.
   */
  weightDType?: "float32" | "float16";
}

/** The manifest of one servable model. */
export interface ModelManifest {
  /** Registry id, e.g. `tiny-sd`. */
  id: string;
  /** Architecture family; only `sd1` (Stable Diffusion 1.x layout) today. */
  family: "sd1" | "sd2";
  /** SPDX-ish license name of the weights. */
  license: string;
  /** Human-readable description. */
  description?: string;
  /** Hub repository and revision the files came from, when pulled. */
  source?: { repo: string; revision: string };
  components: Partial<Record<ComponentName, ComponentManifest>> & {
    text_encoder: ComponentManifest;
    unet: ComponentManifest;
    vae_decoder: ComponentManifest;
  };
  tokenizer: { vocab: ModelFile; merges: ModelFile; maxLength: number };
  /** Width of the text embeddings (`cross_attention_dim`), 768 for SD 1.x. */
  embeddingDim: number;
  latentChannels: number;
  /** VAE latent scale: latents are divided by it before decoding. 0.18215 for SD 1.x. */
  scalingFactor: number;
  /** Image pixels per latent pixel (8 for Stable Diffusion). */
  vaeScaleFactor: number;
  defaults: {
    steps: number;
    guidanceScale: number;
    width: number;
    height: number;
    /** Scheduler class name or alias understood by `createScheduler`. */
    scheduler: string;
  };
  /** The diffusers `scheduler_config.json` object, snake_case keys as shipped. */
  schedulerConfig: Record<string, unknown>;
}
