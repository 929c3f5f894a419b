/**
 * `renderRequest`: the shared pipeline on onnxruntime-node with the embedded tiny model, into
 * PNGs carrying the A1111 parameters.
 */
import assert from "node:assert/strict";
import { loadModel } from "../../../models/mod.ts";
import { createBackend } from "../../../shared/ort/mod.ts";
import { nodeRuntime } from "../../../shared/ort/node.ts";
import { loadPipeline } from "../../../shared/pipeline/mod.ts";
import { renderRequest } from "../../../functions/worker/mod.ts";
import { assertPng, tinyRequest } from "./_request.ts";

async function withPipeline(
  fn: (pipeline: Awaited<ReturnType<typeof loadPipeline>>) => Promise<void>,
): Promise<void> {
  const model = await loadModel("tiny-sd");
  const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  const pipeline = await loadPipeline(model.manifest, { backend, readFile: model.readFile });
  try {
    await fn(pipeline);
  } finally {
    await pipeline.dispose();
    await backend.dispose();
  }
}

Deno.test("renderRequest() returns one PNG per image with the request's parameters", async () => {
  await withPipeline(async (pipeline) => {
    const request = tinyRequest({ batchSize: 2, steps: 3, seed: "987654321" });
    const steps: string[] = [];
    const output = await renderRequest(pipeline, request, {
      onStep: (step, total) => steps.push(`${step}/${total}`),
    });
    assert.deepEqual(steps, ["1/3", "2/3", "3/3"]);
    assert.equal(output.images.length, 2);
    for (const png of output.images) assertPng(png, request);
    assert.notDeepEqual(output.images[0], output.images[1], "two draws of one batch differ");
    assert.equal(output.device, "cpu");
    assert.ok((output.timings?.totalMs ?? 0) > 0);
    // Same seed, same request: the same pixels.
    const again = await renderRequest(pipeline, request);
    assert.deepEqual(again.images, output.images);
  });
});

Deno.test("renderRequest() stops within one step of an abort with the signal's reason", async () => {
  await withPipeline(async (pipeline) => {
    const controller = new AbortController();
    let steps = 0;
    await assert.rejects(
      renderRequest(pipeline, tinyRequest({ steps: 20 }), {
        signal: controller.signal,
        onStep(step) {
          steps = step;
          if (step === 3) controller.abort(new Error("stop here"));
        },
      }),
      /stop here/,
    );
    assert.equal(steps, 3);
  });
});
