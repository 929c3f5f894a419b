/**
 * What kind of model folder `models add` was given: a standard ONNX export (at its root, under a
 * subfolder such as `onnx/`), a diffusers checkpoint, or something else, with the one-line reason
 * and fixing command for each refusal. Folder-private.
 *
 * @module
 */

import type { ModelVariant } from "../../shared/manifest.ts";
import { exists, joinPath, readJsonIfExists } from "../registry/_files.ts";
import { graphCandidates, MODEL_VARIANTS } from "../registry/variants.ts";

/** A recognised folder. */
export interface ModelLayout {
  kind: "onnx" | "diffusers";
  /** The model's root: the folder itself or its subfolder. */
  root: string;
}

/** A folder `models add` refuses; the message names the missing file and the fix. */
export class ModelLayoutError extends TypeError {
  override name = "ModelLayoutError";
}

const SD_PIPELINES = new Set([
  "StableDiffusionPipeline",
  "OnnxStableDiffusionPipeline",
  "ORTStableDiffusionPipeline",
  "LatentConsistencyModelPipeline",
]);
const CHECKPOINT_UNET = "unet/diffusion_pytorch_model.safetensors";

async function hasOnnxUnet(root: string): Promise<boolean> {
  for (const variant of MODEL_VARIANTS) {
    for (const path of graphCandidates("unet", variant)) {
      if (await exists(joinPath(root, path))) return true;
    }
  }
  return false;
}

async function hasCheckpointUnet(root: string, variant?: ModelVariant): Promise<boolean> {
  const names = variant === "fp16"
    ? [CHECKPOINT_UNET.replace(".safetensors", ".fp16.safetensors"), CHECKPOINT_UNET]
    : [CHECKPOINT_UNET];
  for (const name of names) if (await exists(joinPath(root, name))) return true;
  return false;
}

/**
 * Finds the model in `folder` (under `subfolder` when given; else at the root, or in `onnx/` when
 * the root has no UNet) and says which layout it is.
 *
 * @throws {ModelLayoutError} with one line naming what is missing and how to fix it.
 */
export async function detectLayout(
  folder: string,
  options: { subfolder?: string; variant?: ModelVariant } = {},
): Promise<ModelLayout> {
  const stat = await Deno.stat(folder).catch(() => null);
  if (!stat?.isDirectory) {
    throw new ModelLayoutError(
      `Cannot add '${folder}': it is not a folder (nor a hub id like 'org/name')`,
    );
  }
  let root = folder.replace(/\/+$/, "");
  if (options.subfolder !== undefined) {
    root = joinPath(root, options.subfolder.replace(/^\/+|\/+$/g, ""));
    if (!(await Deno.stat(root).catch(() => null))?.isDirectory) {
      throw new ModelLayoutError(
        `Cannot add '${folder}': it has no subfolder '${options.subfolder}'`,
      );
    }
  } else if (!await hasOnnxUnet(root) && await hasOnnxUnet(joinPath(root, "onnx"))) {
    root = joinPath(root, "onnx");
  }

  const index = await readJsonIfExists(joinPath(root, "model_index.json")).catch(() => null);
  const className = typeof index?._class_name === "string" ? index._class_name : null;
  if (className !== null && /XL|Cascade|Kandinsky|Flux|SD3|StableDiffusion3/.test(className)) {
    throw new ModelLayoutError(
      `Cannot add '${folder}': it is a ${className}, and only Stable Diffusion 1.x/2.x, ` +
        `SD-Turbo and LCM models run here (see the README's compatibility table)`,
    );
  }
  if (await hasOnnxUnet(root)) return { kind: "onnx", root };
  if (await hasCheckpointUnet(root, options.variant)) return { kind: "diffusers", root };
  if (className !== null && SD_PIPELINES.has(className)) {
    throw new ModelLayoutError(
      `Cannot add '${folder}': its UNet is missing: neither 'unet/model.onnx' nor ` +
        `'${CHECKPOINT_UNET}' is there (download the whole repository, e.g. ` +
        `'huggingface-cli download <org/name> --local-dir ${folder}')`,
    );
  }
  throw new ModelLayoutError(
    `Cannot add '${folder}': it is not a Stable Diffusion model folder (no 'model_index.json' ` +
      `and no 'unet/model.onnx'); give an ONNX export ('optimum-cli export onnx --model ` +
      `<org/name> <folder>') or a diffusers checkpoint`,
  );
}
