/**
 * The onnxruntime-node runtime: `cuda`, `webgpu` (onnxruntime's native WebGPU execution provider,
 * Dawn on Vulkan/Metal/D3D12) and `cpu`, for servers (Deno via `npm:`, Node). Hosts pick
 * this file explicitly, or `createBackend` loads it dynamically for server devices, so browser
 * bundles never contain onnxruntime-node.
 *
 * @module
 */

import type { InferenceSession } from "onnxruntime-common";
import type { Device, OrtRuntime } from "./types.ts";
import type { OrtModule } from "./_env.ts";
import { defineRuntime } from "./_runtime.ts";

/** The devices onnxruntime-node offers. */
export const NODE_DEVICES: readonly Device[] = Object.freeze(["cuda", "webgpu", "cpu"]);

/** Settings of onnxruntime's native WebGPU execution provider (the `webgpu` device). */
export interface NodeWebGpuOptions {
  /**
   * Layout of convolution-like operators inside the provider.
   * @default {"NCHW"}
   */
  preferredLayout?: "NCHW" | "NHWC";
  /**
   * Dawn's API validation: `disabled` skips the checks of every command it records.
   * @default {onnxruntime's choice: "basic"}
   */
  validationMode?: "disabled" | "wgpuOnly" | "basic" | "full";
}

/** Options of {@linkcode nodeRuntime}. */
export interface NodeRuntimeOptions {
  /**
   * Threads one operator may use on the CPU. Processes running several sessions side by side
   * (render Workers) should split the cores between them.
   * @default {onnxruntime's choice: one per physical core}
   */
  intraOpNumThreads?: number;
  /** Settings of the `webgpu` device. */
  webgpu?: NodeWebGpuOptions;
}

function webGpuProvider(options: NodeWebGpuOptions): InferenceSession.ExecutionProviderConfig {
  return {
    name: "webgpu",
    ...(options.preferredLayout === undefined ? {} : { preferredLayout: options.preferredLayout }),
    ...(options.validationMode === undefined ? {} : { validationMode: options.validationMode }),
  };
}

/**
 * The onnxruntime-node runtime. `cuda` works where the CUDA execution provider and its libraries
 * are installed (`deno install --allow-scripts=npm:onnxruntime-node` downloads them); `webgpu`
 * where Dawn finds an adapter (any GPU with a Vulkan driver on Linux; SwiftShader when
 * `VK_ICD_FILENAMES` points at it); `cpu` everywhere onnxruntime-node loads. Float16 inputs and
 * outputs cross the boundary as float32 on every device, as with onnxruntime-web.
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
  const runtime = defineRuntime({
    name: "onnxruntime-node",
    devices: NODE_DEVICES,
    load: async () => (await import("onnxruntime-node")) as unknown as OrtModule,
    // The CUDA probe logs its library-loading failure natively at error level; the reason is
    // still reported through BackendUnavailableError.
    env: { logLevel: "fatal" },
    float16AsUint16: true,
    executionProviders: (device) =>
      device === "webgpu"
        ? [webGpuProvider(options.webgpu ?? {})]
        : [device === "cuda" ? "cuda" : "cpu"],
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
  });
  return {
    ...runtime,
    async open(device) {
      try {
        return await runtime.open(device);
      } catch (error) {
        throw device === "cuda" ? new Error(`${CUDA_HINT}: ${(error as Error).message}`) : error;
      }
    },
  };
}

const CUDA_HINT = "the CUDA provider did not load (its files come with " +
  "`npx -y deno@2.9.6 install --allow-scripts=npm:onnxruntime-node` once npm:onnxruntime-node is " +
  "off the allowScripts deny list in deno.json, and it needs CUDA 12 and cuDNN 9)";
