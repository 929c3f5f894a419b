/**
 * `ModelSession` over an onnxruntime `InferenceSession` (web or node): reads the graph's I/O
 * metadata, converts feeds and outputs at the boundary, and keeps device tensors (GPU buffers on
 * WebGPU) for inputs that do not change between runs.
 *
 * @module
 */

import type { InferenceSession, Tensor } from "onnxruntime-common";
import type { TensorSpec } from "../tensor/mod.ts";
import type {
  Device,
  DeviceTensor,
  HostTensor,
  ModelSession,
  RunOptions,
  TensorValue,
} from "./types.ts";
import { checkFeed, fromOrtData, specFromMetadata, toOrtData } from "./_convert.ts";
import { type OrtModule, ortWebGpuDevice } from "./_env.ts";

/** The WebGPU calls used to upload a tensor (typed loosely: DOM libs may lack WebGPU types). */
interface GpuDeviceLike {
  createBuffer(descriptor: { size: number; usage: number }): GpuBufferLike;
  queue: { writeBuffer(buffer: GpuBufferLike, offset: number, data: ArrayBufferView): void };
}
interface GpuBufferLike {
  destroy(): void;
}

// GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST, spelled out for hosts without WebGPU typings.
const STORAGE_COPY = 0x80 | 0x04 | 0x08;

class OrtDeviceTensor implements DeviceTensor {
  readonly kind = "device";
  readonly name: string;
  readonly dims: readonly number[];
  readonly location: "gpu-buffer" | "cpu";
  readonly tensor: Tensor;
  readonly owner: object;
  #disposed = false;

  constructor(owner: object, name: string, tensor: Tensor, location: "gpu-buffer" | "cpu") {
    this.owner = owner;
    this.name = name;
    this.dims = Object.freeze([...tensor.dims]);
    this.tensor = tensor;
    this.location = location;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.tensor.dispose();
  }
}

/** How an {@linkcode OrtModelSession} is wired to its backend. */
export interface OrtModelSessionOptions {
  device: Device;
  /** Called once when the session is released. */
  onRelease: () => void;
  /**
   * Hand float16 data to onnxruntime as `Uint16Array` bits even where the engine has
   * `Float16Array`: onnxruntime-node's native binding only reads `Uint16Array` (Deno has both).
   */
  float16AsUint16: boolean;
  /** Whether device tensors are WebGPU buffers of onnxruntime-web's `GPUDevice`. */
  gpuBuffers: boolean;
}

/** A `ModelSession` backed by an onnxruntime `InferenceSession`. */
export class OrtModelSession implements ModelSession {
  readonly device: Device;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  #ort: OrtModule;
  #session: InferenceSession | null;
  #onRelease: () => void;
  #float16AsUint16: boolean;
  #gpuBuffers: boolean;

  constructor(ort: OrtModule, session: InferenceSession, options: OrtModelSessionOptions) {
    this.#ort = ort;
    this.#session = session;
    this.device = options.device;
    this.#onRelease = options.onRelease;
    this.#float16AsUint16 = options.float16AsUint16;
    this.#gpuBuffers = options.gpuBuffers;
    this.inputs = Object.freeze(
      session.inputMetadata.map((m) => Object.freeze(specFromMetadata(m))),
    );
    this.outputs = Object.freeze(
      session.outputMetadata.map((m) => Object.freeze(specFromMetadata(m))),
    );
  }

  #spec(name: string): TensorSpec {
    const spec = this.inputs.find((s) => s.name === name);
    if (!spec) {
      throw new TypeError(
        `Cannot feed '${name}' as the model has no such input: inputs are ${
          this.inputs.map((s) => s.name).join(", ")
        }`,
      );
    }
    return spec;
  }

  #hostTensor(spec: TensorSpec, value: HostTensor): Tensor {
    checkFeed(spec, value);
    const data = toOrtData(spec.dtype, value.data) as Tensor.DataType;
    const tensor = new this.#ort.Tensor(spec.dtype, data, [...value.dims]);
    if (
      this.#float16AsUint16 && spec.dtype === "float16" && !(tensor.data instanceof Uint16Array)
    ) {
      // onnxruntime-common re-views float16 data as Float16Array when one exists; undo it.
      const view = tensor.data as ArrayBufferView & { length: number };
      const bits = new Uint16Array(view.buffer, view.byteOffset, view.length);
      Object.defineProperty(tensor, "data", { value: bits });
    }
    return tensor;
  }

  async run(
    feeds: Record<string, TensorValue>,
    options: RunOptions = {},
  ): Promise<Record<string, HostTensor>> {
    const session = this.#session;
    if (!session) throw new Error("Cannot run a released session");
    for (const name of Object.keys(feeds)) this.#spec(name);
    const ortFeeds: Record<string, Tensor> = {};
    for (const spec of this.inputs) {
      const value = feeds[spec.name];
      if (value === undefined) {
        throw new TypeError(`Cannot run the model as input '${spec.name}' is missing`);
      }
      if ("kind" in value) {
        if (!(value instanceof OrtDeviceTensor) || value.owner !== this || value.disposed) {
          throw new TypeError(
            `Cannot feed '${spec.name}' a device tensor of another or a disposed session`,
          );
        }
        ortFeeds[spec.name] = value.tensor;
      } else {
        ortFeeds[spec.name] = this.#hostTensor(spec, value);
      }
    }
    const results = options.outputs
      ? await session.run(ortFeeds, [...options.outputs])
      : await session.run(ortFeeds);
    const outputs: Record<string, HostTensor> = {};
    for (const [name, tensor] of Object.entries(results)) {
      const raw = tensor.location === "cpu" ? tensor.data : await tensor.getData(true);
      outputs[name] = { data: fromOrtData(tensor.type, raw), dims: [...tensor.dims] };
    }
    return outputs;
  }

  async createDeviceTensor(name: string, value: HostTensor): Promise<DeviceTensor> {
    const spec = this.#spec(name);
    if (!this.#gpuBuffers) {
      return new OrtDeviceTensor(this, name, this.#hostTensor(spec, value), "cpu");
    }
    checkFeed(spec, value);
    const data = toOrtData(spec.dtype, value.data) as ArrayBufferView;
    const gpu = await ortWebGpuDevice(this.#ort) as unknown as GpuDeviceLike;
    // Storage buffers are sized in 16-byte units by onnxruntime-web; pad the allocation alike.
    const buffer = gpu.createBuffer({
      size: Math.ceil(data.byteLength / 16) * 16,
      usage: STORAGE_COPY,
    });
    const padded = data.byteLength % 4 === 0 ? data : padTo4(data);
    gpu.queue.writeBuffer(buffer, 0, padded);
    const tensor = this.#ort.Tensor.fromGpuBuffer(buffer as unknown as Tensor.GpuBufferType, {
      dataType: spec.dtype as Tensor.GpuBufferDataTypes,
      dims: [...value.dims],
      dispose: () => buffer.destroy(),
    });
    return new OrtDeviceTensor(this, name, tensor, "gpu-buffer");
  }

  async release(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = null;
    this.#onRelease();
    await session.release();
  }
}

function padTo4(data: ArrayBufferView): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}
