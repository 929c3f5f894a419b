/**
 * Runs a callback with a model's pipeline loaded on onnxruntime-node CPU, releasing the sessions
 * and the backend afterwards. Test-only helper.
 */

import type { LocalModel } from "../models/registry/mod.ts";
import { createBackend } from "../shared/ort/mod.ts";
import { nodeRuntime } from "../shared/ort/node.ts";
import { type LoadedPipeline, loadPipeline } from "../shared/pipeline/mod.ts";

/** Loads `model` on a fresh CPU backend, runs `run`, then disposes of both. */
export async function withCpuPipeline<T>(
  model: LocalModel,
  run: (pipeline: LoadedPipeline) => Promise<T>,
): Promise<T> {
  const backend = await createBackend({ devices: ["cpu"], runtimes: [nodeRuntime()] });
  try {
    const pipeline = await loadPipeline(model.manifest, {
      backend,
      readFile: (path) => model.readFile(path),
    });
    try {
      return await run(pipeline);
    } finally {
      await pipeline.dispose();
    }
  } finally {
    await backend.dispose();
  }
}
