/**
 * One render: a queued job's `GenerationParams` through a loaded pipeline into PNGs that carry the
 * AUTOMATIC1111 `parameters` chunk (`toPng`). What each render Worker runs per job.
 *
 * @module
 */

import { toPng } from "../../shared/generation/mod.ts";
import { generate, type LoadedPipeline } from "../../shared/pipeline/mod.ts";
import type { JobRequest, RenderOutput } from "./types.ts";

/** Options of {@linkcode renderRequest}. */
export interface RenderRequestOptions {
  /** Aborting stops the pipeline within one denoising step with the signal's reason. */
  signal?: AbortSignal;
  /** Called after every user-facing denoising step (1-based, of `request.steps`). */
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
  request: JobRequest,
  options: RenderRequestOptions = {},
): Promise<RenderOutput> {
  const { owner: _owner, ...params } = request;
  const result = await generate(pipeline, params, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onProgress(event) {
      if (event.type === "step") options.onStep?.(event.step, event.total);
    },
  });
  return { images: toPng(result), device: pipeline.device, timings: { ...result.timings } };
}
