/**
 * The browser SDK: `createClient({ baseUrl, key })` then `generate({ prompt, ... })` renders on the
 * caller's GPU (WebGPU in a Web Worker) and falls back to the server's render worker when it must.
 * Served as `/sdk.js`.
 *
 * @example Generating an image
 * ```ts ignore
 * import { createClient } from "https://sd.example.com/sdk.js";
 *
 * const client = createClient({ baseUrl: "https://sd.example.com", key: "pk_..." });
 * const { blob, device } = await client.generate({ prompt: "a red fox in snow", seed: 7 });
 * ```
 *
 * @module
 */

export { createClient, SdClient } from "./client.ts";
export { SdClientError, type SdClientErrorCode, type SdClientErrorOptions } from "./errors.ts";
export {
  checkWebGpu,
  type CheckWebGpuOptions,
  estimateMemory,
  type MemoryEstimate,
  type WebGpuSupport,
} from "./capabilities.ts";
export { MODEL_CACHE_NAME } from "./model_files.ts";
export type {
  Client,
  ClientOptions,
  DevicePreference,
  GenerateOptions,
  GenerateParams,
  GenerateResult,
  GenerateTimings,
  GpuAdapterLike,
  GpuLike,
  ProgressEvent,
  RenderDevice,
} from "./types.ts";
