/**
 * The tensor backend: the only module in the project that imports onnxruntime. Devices map to
 * onnxruntime-web (`webgpu`, `wasm`) or onnxruntime-node (`cuda`, `webgpu`, `cpu`); sessions read each
 * model's I/O metadata and convert at the boundary. Server hosts may import `./node.ts` to inject
 * onnxruntime-node explicitly; this module never imports it statically.
 *
 * @module
 */

export type {
  Backend,
  BackendAttempt,
  CreateSessionOptions,
  Device,
  DeviceTensor,
  GpuDeviceHandle,
  HostTensor,
  HostTensorData,
  ModelSession,
  OrtRuntime,
  RunOptions,
  TensorValue,
} from "./types.ts";
export { DEVICES } from "./types.ts";
export { BackendUnavailableError } from "./errors.ts";
export { createBackend, type CreateBackendOptions } from "./backend.ts";
export { WEB_DEVICES, webRuntime, type WebRuntimeOptions } from "./web.ts";
