/**
 * The model registry: load models by id (building the embedded ones on first use), list what is
 * in the cache, build and verify manifests.
 *
 * @module
 */

export { defaultCacheDir } from "./cache_dir.ts";
export {
  type BuildEvent,
  EMBEDDED_MODELS,
  type EmbeddedBuildOptions,
  type EmbeddedModel,
  ensureEmbedded,
} from "./embedded.ts";
export { ModelIntegrityError, ModelNotFoundError } from "./errors.ts";
export { ModelSetupError, requireModels } from "./require_models.ts";
export {
  listLocalModels,
  listModels,
  type ListModelsOptions,
  type LocalModelEntry,
} from "./list_models.ts";
export {
  findModel,
  loadModel,
  type LoadModelEvent,
  type LoadModelOptions,
  type LocalModel,
} from "./load_model.ts";
export { buildManifest, type BuildManifestOptions } from "./manifest.ts";
export { type OnnxModelInfo, readOnnxInfo } from "./onnx_io.ts";
export { createTinySd, TINY_SD_SEED, tinySd, tinySdF16, type TinySdOptions } from "./tiny_sd.ts";
export { toyShapes, toyShapesVocabulary } from "./toy_shapes.ts";
export {
  type FileCheck,
  manifestFiles,
  verifyModel,
  type VerifyModelOptions,
  type VerifyResult,
} from "./verify.ts";
