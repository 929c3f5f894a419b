/**
 * The runtime-agnostic surface of the tensor backend: devices, host tensors, model sessions and
 * backends. Nothing here imports onnxruntime; the pipeline codes against these interfaces only, so
 * any runtime (onnxruntime-web, onnxruntime-node, a test double) can stand behind them.
 *
 * @module
 */

import type { TensorSpec } from "../tensor/mod.ts";

/**
 * A place a model can run: `webgpu` and `wasm` through onnxruntime-web (browsers, Deno), `cuda`,
 * `webgpu` (its native Dawn provider) and `cpu` through onnxruntime-node (servers).
 */
export type Device = "webgpu" | "wasm" | "cuda" | "cpu";

/** Every device name, in no particular order. */
export const DEVICES: readonly Device[] = Object.freeze(["webgpu", "wasm", "cuda", "cpu"]);

/** Element arrays a host tensor can hold. Float16 data crosses the boundary as float32. */
export type HostTensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** A tensor in host memory: flat row-major data plus its dimensions. */
export interface HostTensor {
  data: HostTensorData;
  dims: readonly number[];
}

/**
 * A tensor kept where the session computes (a GPU buffer on WebGPU), made once with
 * {@linkcode ModelSession.createDeviceTensor} and fed to many runs without another upload.
 */
export interface DeviceTensor {
  readonly kind: "device";
  /** The input it was made for. */
  readonly name: string;
  readonly dims: readonly number[];
  /** Where the data lives: `gpu-buffer` on WebGPU, `cpu` elsewhere. */
  readonly location: "gpu-buffer" | "cpu";
  /** Frees the device memory. Idempotent. */
  dispose(): void;
}

/** A value fed to a model input: host data (converted to the input's dtype) or a device tensor. */
export type TensorValue = HostTensor | DeviceTensor;

/** Options of {@linkcode ModelSession.run}. */
export interface RunOptions {
  /** Output names to compute; every output when absent. */
  outputs?: readonly string[];
}

/**
 * One loaded ONNX graph. Inputs and outputs are described by the model's own metadata: dtype
 * (float16 or float32 weights, int64 or float timestep) and shape (a string is a dynamic axis).
 */
export interface ModelSession {
  /** The device the session runs on. */
  readonly device: Device;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /**
   * Runs the graph. Host feeds are converted to each input's dtype (float32 → float16, integers
   * ↔ int64); float16 outputs come back as float32.
   */
  run(
    feeds: Record<string, TensorValue>,
    options?: RunOptions,
  ): Promise<Record<string, HostTensor>>;
  /** Uploads a host tensor once for reuse across runs (a GPU buffer on WebGPU). */
  createDeviceTensor(name: string, value: HostTensor): Promise<DeviceTensor>;
  /** Frees the session. Idempotent; later runs reject. */
  release(): Promise<void>;
}

/** Options of {@linkcode Backend.createSession}. */
export interface CreateSessionOptions {
  /**
   * ONNX external data (weights stored beside the graph, `model.onnx_data`): `path` is the name the
   * graph refers to, `data` its bytes or a URL/path to load from.
   */
  externalData?: readonly { path: string; data: Uint8Array | string }[];
}

/**
 * The part of the WebGPU `GPUDevice` under a backend that callers may watch or destroy (spelled
 * out so that `shared/` needs no WebGPU typings).
 */
export interface GpuDeviceHandle {
  readonly lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
}

/** A device chosen by {@linkcode createBackend}, able to load models. */
export interface Backend {
  readonly device: Device;
  /** The runtime behind the device, e.g. `onnxruntime-node`. */
  readonly runtime: string;
  /** Devices tried before this one and why each failed (empty when the first worked). */
  readonly attempts: readonly BackendAttempt[];
  /** Loads a model from its bytes, or from a path (Node/Deno) or URL (browsers). */
  createSession(source: Uint8Array | string, options?: CreateSessionOptions): Promise<ModelSession>;
  /**
   * The WebGPU device the sessions run on, `null` on other devices. onnxruntime-web destroys its
   * device when its last session is released and makes a new one for the next session, so ask
   * again after creating sessions.
   */
  gpuDevice(): Promise<GpuDeviceHandle | null>;
  /** Releases every session this backend created. */
  dispose(): Promise<void>;
}

/** One failed device in a backend search. */
export interface BackendAttempt {
  device: Device;
  /** The runtime that was asked, or `none` when no runtime offers the device. */
  runtime: string;
  reason: string;
}

/**
 * A tensor runtime that can open some devices: the seam between {@linkcode createBackend} and a
 * concrete onnxruntime package. `open` throws, with a readable reason, when the device cannot run
 * here.
 */
export interface OrtRuntime {
  readonly name: string;
  readonly devices: readonly Device[];
  open(device: Device): Promise<Backend>;
}
