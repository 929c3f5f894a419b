/**
 * A generation's images as PNGs carrying its parameters the way AUTOMATIC1111 writes them (the
 * `parameters` text chunk), with the sampler named by the scheduler registry's table. Every
 * surface that writes a PNG writes it here, so the chunk is byte-identical across surfaces.
 *
 * @module
 */

import { encodePng, formatParameters } from "../image/mod.ts";
import type { GenerationParams } from "./params.ts";

/** An image as the pipeline gives it. */
export type RgbaImage = { rgba: Uint8ClampedArray; width: number; height: number };

/**
 * The A1111 `parameters` text of a generation.
 *
 * @example
 * ```ts
 * import { parametersText } from "./png.ts";
 * const text = parametersText({
 *   model: "tiny-sd", prompt: "a cat", negativePrompt: "", seed: "42", steps: 20,
 *   guidanceScale: 7.5, scheduler: "euler_a", width: 64, height: 64, batchSize: 1,
 * });
 * console.log(text); // a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 64x64, Model: tiny-sd
 * ```
 */
export function parametersText(params: GenerationParams): string {
  return formatParameters({
    prompt: params.prompt,
    negativePrompt: params.negativePrompt,
    steps: params.steps,
    scheduler: params.scheduler,
    guidanceScale: params.guidanceScale,
    seed: params.seed,
    width: params.width,
    height: params.height,
    model: params.model,
    ...(params.eta !== undefined ? { eta: params.eta } : {}),
    ...(params.strength !== undefined ? { extra: imageSettings(params) } : {}),
  });
}

/** A1111's image-to-image settings of the `parameters` line. */
function imageSettings(params: GenerationParams): Record<string, string | number> {
  const extra: Record<string, string | number> = { "Denoising strength": params.strength! };
  if (params.mask !== undefined) {
    extra["Mask blur"] = params.maskBlur ?? 0;
    if (params.invertMask) extra["Mask mode"] = "Inpaint not masked";
  }
  return extra;
}

/**
 * Encodes a generation's images as PNGs, each with the generation's `parameters` chunk.
 *
 * @example Writing what `generate` returned
 * ```ts ignore
 * const [png] = toPng(await generate(pipeline, params));
 * await Deno.writeFile("cat.png", png!);
 * ```
 */
export function toPng(
  result: { images: readonly RgbaImage[]; parameters: GenerationParams },
): Uint8Array[] {
  const parameters = parametersText(result.parameters);
  return result.images.map((image) =>
    encodePng(image.rgba, { width: image.width, height: image.height, parameters })
  );
}
