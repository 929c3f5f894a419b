/**
 * Builds a {@linkcode ModelManifest} from a model folder in the standard diffusers/optimum ONNX
 * layout (`model_index.json`, `text_encoder/`, `unet/`, `vae_decoder/`, optional `vae_encoder/`,
 * `tokenizer/`, `scheduler/`): every file is hashed, I/O specs come from the ONNX graphs
 * themselves, and dimensions and defaults from the shipped configs.
 *
 * @module
 */

import type {
  ComponentManifest,
  ComponentName,
  ModelFile,
  ModelManifest,
  ModelVariant,
  ModelVocabulary,
  TensorSpec,
} from "../../shared/manifest.ts";
import { graphCandidates, MODEL_VARIANTS } from "./variants.ts";
import { describeFile, exists, joinPath, readJsonIfExists } from "./_files.ts";
import { readOnnxInfo } from "./onnx_io.ts";
import { readTokenizerSettings } from "./tokenizer_settings.ts";

/** Options of {@linkcode buildManifest}. */
export interface BuildManifestOptions {
  /** Registry id of the model, e.g. `tiny-sd` or `org/name`. */
  id: string;
  /** License of the weights. @default {"unknown"} */
  license?: string;
  description?: string;
  /** Hub repository and commit the files came from. */
  source?: { repo: string; revision: string };
  /** @default {"sd2" when the text embeddings are 1024 wide, else "sd1"} */
  family?: ModelManifest["family"];
  /** Overrides of the generation defaults (the rest come from the configs). */
  defaults?: Partial<ModelManifest["defaults"]>;
  /** @default {the VAE config's `scaling_factor`, else 0.18215} */
  scalingFactor?: number;
  /**
   * Which networks to take where the folder holds several (see `graphCandidates`); the others
   * are listed under `variants`. @default {"fp32", the export's default files}
   */
  variant?: ModelVariant;
  /** The model's caption vocabulary (recorded as is). */
  vocabulary?: ModelVocabulary;
  /** sha256 of files already verified (e.g. against the hub's LFS oid), by path: not re-read. */
  hashes?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

/** The I/O names each network must have to be driven by the pipeline. */
const REQUIRED_IO: Record<ComponentName, { inputs: string[]; outputs: string[] }> = {
  text_encoder: { inputs: ["input_ids"], outputs: ["last_hidden_state"] },
  unet: { inputs: ["sample", "timestep", "encoder_hidden_states"], outputs: ["out_sample"] },
  vae_decoder: { inputs: ["latent_sample"], outputs: ["sample"] },
  vae_encoder: { inputs: ["sample"], outputs: ["latent_sample"] },
  safety_checker: { inputs: [], outputs: [] },
};

const OPTIONAL_COMPONENTS = ["vae_encoder", "safety_checker"] as const;

function checkIo(name: ComponentName, path: string, inputs: TensorSpec[], outputs: TensorSpec[]) {
  const required = REQUIRED_IO[name];
  for (
    const [kind, specs, names] of [
      ["input", inputs, required.inputs],
      ["output", outputs, required.outputs],
    ] as const
  ) {
    for (const wanted of names) {
      if (!specs.some((spec) => spec.name === wanted)) {
        const found = specs.map((spec) => spec.name).join(", ") || "none";
        throw new TypeError(
          `Cannot use '${path}' as the ${name}: it has no ${kind} '${wanted}' (found ${found})`,
        );
      }
    }
  }
}

type Describe = (path: string) => Promise<ModelFile>;

/** The graph path of network `name` in `variant`, or `null` when the folder has none. */
async function findGraph(
  root: string,
  name: ComponentName,
  variant: ModelVariant,
): Promise<string | null> {
  for (const path of graphCandidates(name, variant)) {
    if (await exists(joinPath(root, path))) return path;
  }
  return null;
}

async function readComponent(
  root: string,
  name: ComponentName,
  describe: Describe,
  variant: ModelVariant = "fp32",
): Promise<ComponentManifest> {
  // A variant missing a network (often the text encoder) shares the default one.
  const path = await findGraph(root, name, variant) ?? await findGraph(root, name, "fp32");
  if (path === null) {
    throw new TypeError(`Cannot build the manifest of '${root}': '${name}/model.onnx' is missing`);
  }
  const bytes = await Deno.readFile(joinPath(root, path));
  const info = readOnnxInfo(bytes);
  checkIo(name, path, info.inputs, info.outputs);
  const component: ComponentManifest = {
    model: await describe(path),
    inputs: info.inputs,
    outputs: info.outputs,
    weightDType: info.float16Weights ? "float16" : "float32",
  };
  if (info.externalData.length > 1) {
    throw new TypeError(
      `Cannot use '${path}': its weights are split over ${info.externalData.length} external ` +
        `data files, and one file (model.onnx_data) is supported`,
    );
  }
  const location = info.externalData[0];
  if (location !== undefined) {
    if (location.includes("/") || location.startsWith(".")) {
      throw new TypeError(`Cannot use '${path}': external data location '${location}' is unsafe`);
    }
    component.externalData = await describe(`${path.slice(0, path.lastIndexOf("/"))}/${location}`);
  }
  return component;
}

/** The networks of every variant but `chosen` that the folder holds files of its own for. */
async function otherVariants(
  root: string,
  chosen: ModelVariant,
  describe: Describe,
): Promise<NonNullable<ModelManifest["variants"]>> {
  const variants: NonNullable<ModelManifest["variants"]> = {};
  for (const variant of MODEL_VARIANTS) {
    if (variant === chosen) continue;
    const own: Partial<Record<ComponentName, ComponentManifest>> = {};
    for (const name of ["text_encoder", "unet", "vae_decoder", "vae_encoder"] as const) {
      const path = await findGraph(root, name, variant);
      const chosenPath = await findGraph(root, name, chosen) ?? await findGraph(root, name, "fp32");
      if (path !== null && path !== chosenPath) {
        own[name] = await readComponent(root, name, describe, variant);
      }
    }
    if (own.unet !== undefined) variants[variant] = own;
  }
  return variants;
}

function numberAt(config: Record<string, unknown> | null, key: string): number | undefined {
  const value = config?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function lastDim(specs: TensorSpec[], name: string): number | undefined {
  const shape = specs.find((spec) => spec.name === name)?.shape;
  const dim = shape?.[shape.length - 1];
  return typeof dim === "number" ? dim : undefined;
}

/**
 * Steps and guidance a model is meant to run with: LCM-distilled UNets (a `timestep_cond` input)
 * 4 steps at guidance 8.5 (diffusers' LatentConsistencyModelPipeline default, given to the UNet as
 * an embedding); adversarially distilled "turbo" models (SD-Turbo, named so by their authors)
 * 1 step without guidance; everything else 25 steps at 7.5.
 */
function stepDefaults(
  unet: ComponentManifest,
  name: string,
): { steps: number; guidanceScale: number } {
  if (unet.inputs.some((spec) => spec.name === "timestep_cond")) {
    return { steps: 4, guidanceScale: 8.5 };
  }
  if (/turbo/i.test(name)) return { steps: 1, guidanceScale: 0 };
  return { steps: 25, guidanceScale: 7.5 };
}

/**
 * Reads the model folder `root` and returns its manifest (it does not write it).
 *
 * @example Manifest of a downloaded ONNX export
 * ```ts ignore
 * const manifest = await buildManifest("/models/sd15-onnx", { id: "sd15", license: "openrail" });
 * manifest.components.unet.inputs; // [{ name: "sample", dtype: "float32", shape: [...] }, ...]
 * ```
 */
export async function buildManifest(
  root: string,
  options: BuildManifestOptions,
): Promise<ModelManifest> {
  const { signal } = options;
  const describe: Describe = (path) =>
    describeFile(root, path, { signal, sha256: options.hashes?.[path] });
  const read = (path: string) => readJsonIfExists(joinPath(root, path));
  const schedulerConfig = await read("scheduler/scheduler_config.json");
  if (schedulerConfig === null) {
    throw new TypeError(
      `Cannot build the manifest of '${root}': 'scheduler/scheduler_config.json' is missing`,
    );
  }
  const vaeConfig = (await read("vae_decoder/config.json")) ?? (await read("vae/config.json"));
  const unetConfig = await read("unet/config.json");
  const textConfig = await read("text_encoder/config.json");
  const tokenizer = await readTokenizerSettings(root);

  const variant = options.variant ?? "fp32";
  if (variant !== "fp32" && await findGraph(root, "unet", variant) === null) {
    throw new TypeError(
      `Cannot build the manifest of '${root}' for variant '${variant}': none of ` +
        `${graphCandidates("unet", variant).join(", ")} is there`,
    );
  }
  const textEncoder = await readComponent(root, "text_encoder", describe, variant);
  const unet = await readComponent(root, "unet", describe, variant);
  const vaeDecoder = await readComponent(root, "vae_decoder", describe, variant);
  const components: ModelManifest["components"] = {
    text_encoder: textEncoder,
    unet,
    vae_decoder: vaeDecoder,
  };
  for (const name of OPTIONAL_COMPONENTS) {
    if (await findGraph(root, name, variant) ?? await findGraph(root, name, "fp32")) {
      components[name] = await readComponent(root, name, describe, variant);
    }
  }
  const variants = await otherVariants(root, variant, describe);

  const embeddingDim = lastDim(textEncoder.outputs, "last_hidden_state") ??
    lastDim(unet.inputs, "encoder_hidden_states") ?? numberAt(textConfig, "hidden_size");
  if (embeddingDim === undefined) {
    throw new TypeError(
      `Cannot build the manifest of '${root}': the text embedding width is not in the graphs ` +
        `nor in 'text_encoder/config.json'`,
    );
  }
  const sampleChannels = unet.inputs.find((spec) => spec.name === "sample")?.shape[1];
  const unetChannels = typeof sampleChannels === "number"
    ? sampleChannels
    : numberAt(unetConfig, "in_channels");
  // An inpainting UNet takes 9 channels (latents ‖ mask ‖ masked-image latents); its latents
  // have the VAE's channels.
  const latentChannels = unetChannels === 9
    ? numberAt(vaeConfig, "latent_channels") ?? 4
    : unetChannels ?? numberAt(vaeConfig, "latent_channels") ?? 4;
  const blocks = vaeConfig?.block_out_channels;
  const vaeScaleFactor = Array.isArray(blocks) && blocks.length > 0 ? 2 ** (blocks.length - 1) : 8;
  const sampleSize = numberAt(unetConfig, "sample_size");
  const size = sampleSize === undefined ? (embeddingDim === 1024 ? 768 : 512) : sampleSize *
    vaeScaleFactor;
  const className = schedulerConfig._class_name;

  const manifest: ModelManifest = {
    id: options.id,
    family: options.family ?? (embeddingDim === 1024 ? "sd2" : "sd1"),
    license: options.license ?? "unknown",
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.source === undefined ? {} : { source: options.source }),
    components,
    variant,
    ...(Object.keys(variants).length === 0 ? {} : { variants }),
    tokenizer: {
      vocab: await describe("tokenizer/vocab.json"),
      merges: await describe("tokenizer/merges.txt"),
      maxLength: tokenizer.maxLength ?? numberAt(textConfig, "max_position_embeddings") ?? 77,
      padTokenId: tokenizer.padTokenId,
      bosTokenId: tokenizer.bosTokenId,
      eosTokenId: tokenizer.eosTokenId,
    },
    embeddingDim,
    latentChannels,
    scalingFactor: options.scalingFactor ?? numberAt(vaeConfig, "scaling_factor") ?? 0.18215,
    vaeScaleFactor,
    defaults: {
      ...stepDefaults(unet, options.source?.repo ?? options.id),
      width: size,
      height: size,
      scheduler: typeof className === "string" ? className : "PNDMScheduler",
      ...options.defaults,
    },
    schedulerConfig,
    ...(options.vocabulary === undefined ? {} : { vocabulary: options.vocabulary }),
  };
  return manifest;
}
