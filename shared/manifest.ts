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

/**
 * The CLIP tokenizer's files and settings, read from the model's own `tokenizer_config.json` and
 * `special_tokens_map.json` the way transformers reads them (the map wins; a token may be a string
 * or an `AddedToken` object). The ids are absent in manifests written before they were recorded:
 * the tokenizer's `<|startoftext|>` / `<|endoftext|>` ids then apply, and padding is `<|endoftext|>`.
 */
export interface TokenizerManifest {
  vocab: ModelFile;
  merges: ModelFile;
  /** `model_max_length`: ids per prompt, start and end tokens included (77 for SD). */
  maxLength: number;
  /** Id written after the end token up to `maxLength`: 49407 in SD 1.x, 0 (`!`) in SD 2.x. */
  padTokenId?: number;
  bosTokenId?: number;
  eosTokenId?: number;
}

/** Precision variants an export may ship its networks in. */
export type ModelVariant = "fp32" | "fp16";

/**
 * What a model was trained to draw, for models with a closed caption vocabulary (the embedded
 * `toy-shapes`): UIs offer `examples` as prompts and can build more from `words`.
 */
export interface ModelVocabulary {
  /** The caption grammar in one line. */
  grammar: string;
  /** Word classes of the grammar, e.g. `colours`, `shapes`. */
  words: Record<string, string[]>;
  /** Prompts the model draws well; the first is the suggested default. */
  examples: string[];
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
  tokenizer: TokenizerManifest;
  /**
   * Which variant `components` are: `fp16` when chosen so (`models add --variant fp16`), else
   * `fp32` (the export's default files, whatever their precision). Absent in older manifests.
   */
  variant?: ModelVariant;
  /**
   * The networks of the other variants the folder holds (e.g. `fp16` beside the default), by
   * variant; a component absent there is shared with `components`. Hosts pick one: the SDK asks
   * for `fp16` on a GPU with `shader-f16`.
   */
  variants?: Partial<Record<ModelVariant, Partial<Record<ComponentName, ComponentManifest>>>>;
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
  /** The caption vocabulary, when the model only knows a closed one. */
  vocabulary?: ModelVocabulary;
}
