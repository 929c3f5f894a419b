/**
 * The models package: registry (`loadModel`, `listModels`, manifests, the embedded `tiny-sd` and
 * `tiny-sd-f16`), Hugging Face hub downloads (`pullModel`) and diffusers → ONNX conversion
 * (`convertDiffusers`). Runs in Deno (file system, network); the manifest type it produces lives
 * in `shared/manifest.ts`.
 *
 * @example Load the embedded model
 * ```ts ignore
 * import { loadModel } from "./models/mod.ts";
 * const model = await loadModel("tiny-sd");
 * console.log(model.manifest.components.unet.inputs);
 * ```
 *
 * @module
 */

export * from "./registry/mod.ts";
export * from "./hub/mod.ts";
export * from "./convert/mod.ts";
export * from "./add/mod.ts";
