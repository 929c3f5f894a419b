/**
 * The only file that touches onnxruntime's global `env` (log level, wasm threads and file location,
 * the WebGPU device). Every runtime adapter goes through these two functions, so global state is
 * set in one place, once per loaded onnxruntime module.
 *
 * @module
 */

import type * as OrtCommon from "onnxruntime-common";

/** The part of an onnxruntime module (web or node) the adapters use. */
export type OrtModule = Pick<typeof OrtCommon, "InferenceSession" | "Tensor" | "env">;

/** Settings applied to an onnxruntime module's `env`. */
export interface OrtEnvSettings {
  /** Threads for the wasm backend; 1 where module workers from `blob:` URLs are refused (Deno). */
  numThreads?: number;
  /** Where the `.wasm`/`.mjs` files are served from, e.g. `/ort/` (browsers). */
  wasmPaths?: string;
  /** onnxruntime's own log level; `error` keeps its node-placement warnings quiet. */
  logLevel?: "verbose" | "info" | "warning" | "error" | "fatal";
}

const configured = new WeakSet<object>();

/** Applies `settings` to `ort.env`, the first time a given module is configured only. */
export function configureOrtEnv(ort: OrtModule, settings: OrtEnvSettings): void {
  if (configured.has(ort.env)) return;
  configured.add(ort.env);
  ort.env.logLevel = settings.logLevel ?? "error";
  if (settings.numThreads !== undefined) ort.env.wasm.numThreads = settings.numThreads;
  if (settings.wasmPaths !== undefined) ort.env.wasm.wasmPaths = settings.wasmPaths;
}

/** The `GPUDevice` onnxruntime-web's WebGPU backend runs on (after a webgpu session exists). */
export async function ortWebGpuDevice(ort: OrtModule): Promise<GPUDevice> {
  return (await ort.env.webgpu.device) as GPUDevice;
}
