/**
 * The onnxruntime-node runtime: `cuda` and `cpu`, for servers (Deno via `npm:`, Node). Hosts pick
 * this file explicitly, or `createBackend` loads it dynamically for server devices, so browser
 * bundles never contain onnxruntime-node.
 *
 * @module
 */

import type { Device, OrtRuntime } from "./types.ts";
import type { OrtModule } from "./_env.ts";
import { defineRuntime } from "./_runtime.ts";

/** The devices onnxruntime-node offers. */
export const NODE_DEVICES: readonly Device[] = Object.freeze(["cuda", "cpu"]);

/** Options of {@linkcode nodeRuntime}. */
export interface NodeRuntimeOptions {
  /**
   * Threads one operator may use on the CPU. Processes running several sessions side by side
   * (render Workers) should split the cores between them.
   * @default {onnxruntime's choice: one per physical core}
   */
  intraOpNumThreads?: number;
}

/**
 * The onnxruntime-node runtime. `cuda` works where the CUDA execution provider and its libraries
 * are installed; `cpu` works everywhere onnxruntime-node loads.
 *
 * @example Choosing CUDA, else CPU, on a render worker
 * ```ts
 * import { createBackend } from "./mod.ts";
 * import { nodeRuntime } from "./node.ts";
 *
 * const backend = await createBackend({ devices: ["cuda", "cpu"], runtimes: [nodeRuntime()] });
 * console.log(backend.device);
 * ```
 */
export function nodeRuntime(options: NodeRuntimeOptions = {}): OrtRuntime {
  const threads = options.intraOpNumThreads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new RangeError(
      `Cannot use onnxruntime-node as 'intraOpNumThreads' must be a positive integer: current value is ${threads}`,
    );
  }
  return defineRuntime({
    name: "onnxruntime-node",
    devices: NODE_DEVICES,
    load: async () => (await import("onnxruntime-node")) as unknown as OrtModule,
    // The CUDA probe logs its library-loading failure natively at error level; the reason is
    // still reported through BackendUnavailableError.
    env: { logLevel: "fatal" },
    float16AsUint16: true,
    executionProviders: (device) => [device === "cuda" ? "cuda" : "cpu"],
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
  });
}
