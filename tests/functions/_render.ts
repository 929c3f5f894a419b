/**
 * A real render function for the edge tests: the shared pipeline on onnxruntime-node (CPU) with
 * the fixture model, PNG-encoded by `shared/image` — the same steps the render worker runs.
 */
import { createBackend } from "../../shared/ort/mod.ts";
import { nodeRuntime } from "../../shared/ort/node.ts";
import { generate, loadPipeline } from "../../shared/pipeline/mod.ts";
import { encodePng, formatParameters } from "../../shared/image/mod.ts";
import { FIXTURE_ROOT, fixtureManifest } from "./_harness.ts";
import type { RenderFunction } from "./_queue.ts";

/** Loads the fixture pipeline once and returns a render function plus `dispose`. */
export async function createPipelineRender(): Promise<
  { render: RenderFunction; dispose(): Promise<void> }
> {
  const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  const manifest = await fixtureManifest();
  const pipeline = await loadPipeline(manifest, {
    backend,
    readFile: (path) => Deno.readFile(`${FIXTURE_ROOT}/${path}`),
  });
  const render: RenderFunction = async (request, { signal, onStep }) => {
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
      signal,
      onProgress: (event) => {
        if (event.type === "step") onStep(event.step, event.total);
      },
    });
    const p = result.parameters;
    const parameters = formatParameters({
      prompt: p.prompt,
      negativePrompt: p.negativePrompt,
      steps: p.steps,
      scheduler: p.scheduler,
      guidanceScale: p.guidanceScale,
      seed: p.seed,
      width: p.width,
      height: p.height,
      model: request.model,
    });
    const images = result.images.map((image) =>
      encodePng(image.rgba, { width: image.width, height: image.height, parameters })
    );
    return { images, device: backend.device };
  };
  return {
    render,
    async dispose() {
      await pipeline.dispose();
      await backend.dispose();
    },
  };
}
