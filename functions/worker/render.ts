/**
 * One render: a queued `GenerationRequest` through a loaded pipeline into PNGs that carry the
 * AUTOMATIC1111 `parameters` chunk. What each render Worker runs per job.
 *
 * @module
 */

import { encodePng, formatParameters } from "../../shared/image/mod.ts";
import { generate, type LoadedPipeline } from "../../shared/pipeline/mod.ts";
import type { GenerationRequest, RenderOutput } from "./types.ts";

/** Options of {@linkcode renderRequest}. */
export interface RenderRequestOptions {
  /** Aborting stops the pipeline within one denoising step with the signal's reason. */
  signal?: AbortSignal;
  /** Called after every denoising step (1-based). */
  onStep?(step: number, total: number): void;
}

/**
 * Renders `request` with `pipeline` and encodes each image as a PNG with its parameters.
 *
 * @example Usage
 * ```ts ignore
 * const output = await renderRequest(pipeline, request, { onStep: (s, n) => console.log(s, n) });
 * await Deno.writeFile("out.png", output.images[0]!);
 * ```
 */
export async function renderRequest(
  pipeline: LoadedPipeline,
  request: GenerationRequest,
  options: RenderRequestOptions = {},
): Promise<RenderOutput> {
  const result = await generate(pipeline, {
    prompt: request.prompt,
    negativePrompt: request.negativePrompt,
    steps: request.steps,
    guidanceScale: request.guidanceScale,
    seed: BigInt(request.seed),
    width: request.width,
    height: request.height,
    batchSize: request.batchSize,
    scheduler: request.scheduler,
  }, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onProgress(event) {
      if (event.type === "step") options.onStep?.(event.step, event.total);
    },
  });
  const used = result.parameters;
  const parameters = formatParameters({
    prompt: used.prompt,
    negativePrompt: used.negativePrompt,
    steps: used.steps,
    scheduler: used.scheduler,
    guidanceScale: used.guidanceScale,
    seed: used.seed,
    width: used.width,
    height: used.height,
    model: request.model,
  });
  const images = result.images.map((image) =>
    encodePng(image.rgba, { width: image.width, height: image.height, parameters })
  );
  return { images, device: pipeline.device, timings: { ...result.timings } };
}
