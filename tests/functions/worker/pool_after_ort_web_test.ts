/**
 * A process that has opened onnxruntime-web (an edge that encodes on wasm, the benchmark suite)
 * can still start render Workers: onnxruntime-web's loader installs Node's `worker_threads.Worker`
 * as the global `Worker` in Deno, and `shared/ort` puts the web one back.
 */
import assert from "node:assert/strict";
import { createInProcessQueue, startRenderPool } from "../../../functions/worker/mod.ts";
import { createBackend } from "../../../shared/ort/mod.ts";
import { webRuntime } from "../../../shared/ort/web.ts";
import { assertPng, tinyRequest } from "./_request.ts";

Deno.test("startRenderPool() renders after onnxruntime-web has replaced globalThis.Worker", async () => {
  const webWorker = globalThis.Worker;
  const wasm = await createBackend({ devices: ["wasm"], runtimes: [webRuntime()] });
  await wasm.dispose();
  assert.equal(globalThis.Worker, webWorker, "the global Worker is Deno's again");
  const queue = createInProcessQueue();
  const pool = startRenderPool({ queue, models: ["tiny-sd"], workers: 1, device: "cpu" });
  try {
    await pool.ready;
    const request = tinyRequest({ steps: 2 });
    const done = await queue.wait((await queue.submit(request)).id);
    assert.equal(done.status, "succeeded", done.error?.message ?? "");
    assertPng(done.images?.[0], request);
  } finally {
    await pool.close();
    await queue.close();
  }
});
