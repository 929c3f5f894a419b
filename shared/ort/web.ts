/**
 * The onnxruntime-web runtime: `webgpu` and `wasm`, for browsers and Deno. Safe to bundle for the
 * browser; the package itself is imported lazily on first use, so an embed script pays for it only
 * when it generates.
 *
 * @module
 */

import type { Device, OrtRuntime } from "./types.ts";
import type { OrtModule } from "./_env.ts";
import { defineRuntime } from "./_runtime.ts";

/** Options of {@linkcode webRuntime}. */
export interface WebRuntimeOptions {
  /**
   * Where onnxruntime-web's `.wasm`/`.mjs` files are served from, e.g. `/ort/`.
   * @default {undefined} next to the onnxruntime-web module itself
   */
  wasmPaths?: string;
  /**
   * Threads for the wasm backend.
   * @default {1 in Deno (it refuses blob: workers), onnxruntime's choice elsewhere}
   */
  numThreads?: number;
}

function isDeno(): boolean {
  return "Deno" in globalThis;
}

/** The devices onnxruntime-web offers. */
export const WEB_DEVICES: readonly Device[] = Object.freeze(["webgpu", "wasm"]);

/**
 * The onnxruntime-web runtime (WebGPU and single- or multi-threaded wasm).
 *
 * @example Opening WebGPU in a browser
 * ```ts
 * import { createBackend } from "./mod.ts";
 * import { webRuntime } from "./web.ts";
 *
 * const backend = await createBackend({
 *   devices: ["webgpu", "wasm"],
 *   runtimes: [webRuntime({ wasmPaths: "/ort/" })],
 * });
 * ```
 */
export function webRuntime(options: WebRuntimeOptions = {}): OrtRuntime {
  const numThreads = options.numThreads ?? (isDeno() ? 1 : undefined);
  const runtime = defineRuntime({
    name: "onnxruntime-web",
    devices: WEB_DEVICES,
    load: async () => (await import("onnxruntime-web/webgpu")) as unknown as OrtModule,
    env: {
      ...(numThreads !== undefined ? { numThreads } : {}),
      ...(options.wasmPaths !== undefined ? { wasmPaths: options.wasmPaths } : {}),
    },
    precheck(device) {
      if (device === "webgpu" && !(globalThis.navigator && "gpu" in globalThis.navigator)) {
        throw new Error("navigator.gpu is not available in this runtime");
      }
      if (typeof WebAssembly === "undefined") throw new Error("WebAssembly is not available");
    },
    executionProviders: (device) => [device === "webgpu" ? "webgpu" : "wasm"],
    jsGpuDevice: true,
  });
  if (!isDeno()) return runtime;
  return {
    ...runtime,
    async open(device) {
      // onnxruntime-web's wasm loader sees Deno's `process.versions.node` and installs Node's
      // `worker_threads.Worker` as the global `Worker`, which then refuses the `file://` module
      // URLs of every later Worker in the process (the render pool's). With one wasm thread it
      // needs no Worker of its own, so the global is put back.
      const worker = globalThis.Worker;
      try {
        return await runtime.open(device);
      } finally {
        if (globalThis.Worker !== worker) {
          (globalThis as { Worker: typeof Worker }).Worker = worker;
        }
      }
    },
  };
}
