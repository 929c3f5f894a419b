/**
 * The render worker on onnxruntime-node's native WebGPU provider: `deno task worker --device
 * webgpu` (SwiftShader where there is no GPU, chosen by the worker itself) renders jobs posted to
 * the HTTP API through Redis, and its images are within 2/255 of the CPU's for the same request;
 * asked for two Workers it runs one (two crash the process on onnxruntime-node's one Dawn device).
 * The pipeline's own golden run on this device is in `tests/shared/pipeline/e2e_golden_test.ts`.
 */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import {
  createInProcessQueue,
  createRedisQueue,
  describeRendering,
  type JobRequest,
  startRenderPool,
} from "../../../functions/worker/mod.ts";
import { nativeWebGpuUnavailable } from "../../shared/ort/_native_webgpu.ts";
import { recordingEncoder } from "../_encoder.ts";
import { jsonPost, serveApp, testConfig, testDeps } from "../_harness.ts";
import { startTestRedis } from "./_redis_server.ts";
import { assertPng, tinyRequest } from "./_request.ts";
import { startWorkerProcess } from "./_worker_process.ts";

function maxPixelDiff(a: Uint8Array, b: Uint8Array): number {
  const x = decode(a).data;
  const y = decode(b).data;
  assert.equal(x.length, y.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
}

/** The same request rendered by an in-process CPU worker. */
async function renderOnCpu(request: JobRequest): Promise<Uint8Array> {
  const queue = createInProcessQueue({ capacity: 4 });
  const pool = startRenderPool({ queue, models: [request.model], workers: 1, device: "cpu" });
  try {
    const job = await queue.wait((await queue.submit(request)).id);
    assert.equal(job.status, "succeeded", JSON.stringify(job.error));
    assert.equal(job.device, "cpu");
    return job.images![0]!;
  } finally {
    await pool.close();
    await queue.close();
  }
}

Deno.test({
  name: "deno task worker --device webgpu renders HTTP API jobs on the native provider, " +
    "within 2/255 of the CPU",
  ignore: nativeWebGpuUnavailable !== null,
  async fn() {
    const redis = await startTestRedis();
    if (redis === null) return;
    // The worker finds its Vulkan driver itself: none of this process's choice is passed on.
    // Two Workers asked for: it runs one, as two on onnxruntime-node's one Dawn device crash.
    const worker = startWorkerProcess(redis.url, {
      name: "gpu",
      args: ["--device", "webgpu", "--workers", "2"],
      env: { VK_ICD_FILENAMES: "", VK_DRIVER_FILES: "" },
    });
    const queue = createRedisQueue({ url: redis.url, pollMs: 200 });
    const deps = await testDeps({ config: testConfig(), queue, encoder: recordingEncoder() });
    const server = serveApp(deps);
    try {
      await worker.ready;
      assert.match(worker.output(), /rendering on webgpu \(/, worker.output());
      assert.match(worker.output(), /; one render Worker on webgpu, as /, worker.output());
      const { key } = await deps.keys.create("secret");
      const request = tinyRequest({ prompt: "a red circle", seed: "42", steps: 4 });
      const res = await fetch(
        `${server.url}/v1/images/generations`,
        jsonPost({
          prompt: request.prompt,
          negative_prompt: request.negativePrompt,
          size: "64x64",
          response_format: "b64_json",
          steps: request.steps,
          seed: Number(request.seed),
          scheduler: request.scheduler,
          guidance_scale: request.guidanceScale,
        }, key),
      );
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      const png = Uint8Array.from(atob(body.data[0].b64_json), (c) => c.charCodeAt(0));
      assertPng(png, request);
      const diff = maxPixelDiff(png, await renderOnCpu(request));
      console.log(`native WebGPU worker vs CPU: max per-channel difference ${diff}/255`);
      assert.ok(diff <= 2, `the WebGPU image differs from the CPU's by ${diff}/255`);
    } finally {
      await server.close();
      await queue.close();
      await worker.stop();
      await redis.stop();
    }
  },
});

Deno.test("the render pool's auto order says why it skipped CUDA and WebGPU on a machine without them", async () => {
  const queue = createInProcessQueue({ capacity: 4 });
  const pool = startRenderPool({ queue, models: ["tiny-sd"], workers: 1, device: "auto" });
  try {
    const report = await pool.rendering;
    const gpu = (() => {
      try {
        return Deno.statSync("/dev/nvidiactl") !== null;
      } catch {
        return false;
      }
    })();
    if (gpu) {
      console.log(`GPU machine: ${describeRendering(report)}`);
      assert.notEqual(report.device, "cpu");
      return;
    }
    assert.equal(report.device, "cpu");
    assert.deepEqual(report.skipped.map((s) => s.device), ["cuda", "webgpu"]);
    assert.match(report.skipped[0]!.reason, /allow-scripts=npm:onnxruntime-node/);
    assert.match(report.skipped[1]!.reason, /no GPU with a Vulkan driver/);
    assert.match(describeRendering(report), /^rendering on cpu; skipped cuda: .*; skipped webgpu:/);
  } finally {
    await pool.close();
    await queue.close();
  }
});
