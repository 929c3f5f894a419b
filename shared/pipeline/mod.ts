/**
 * The Stable Diffusion text-to-image pipeline, runtime-agnostic: prompt encoding, the denoising
 * loop with classifier-free guidance, VAE decode, model loading from a manifest.
 *
 * @module
 */

export type {
  GeneratedImage,
  PipelineEvent,
  PipelineTimings,
  PromptEmbeddings,
  PromptTokenizer,
  SafetyChecker,
  TextToImageOptions,
  TextToImageRequest,
  TextToImageResult,
} from "./types.ts";
export {
  encodePrompt,
  type EncodePromptOptions,
  type PromptEncoderModels,
} from "./encode_prompt.ts";
export { textToImage } from "./text_to_image.ts";
export { guidanceScaleEmbedding } from "./guidance_embedding.ts";
export {
  imageToImage,
  type ImageToImageOptions,
  type ImageToImageRequest,
} from "./image_to_image.ts";
export { inpaint, type InpaintRequest } from "./inpaint.ts";
export { runGeneration, type RunGenerationOptions } from "./run_generation.ts";
export { type LoadedPipeline, loadPipeline, type LoadPipelineOptions } from "./load.ts";
export { generate, type GenerateOptions, type GenerateResult } from "./generate.ts";
