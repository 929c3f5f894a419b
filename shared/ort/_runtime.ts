/**
 * Turns an onnxruntime package (web or node) into an `OrtRuntime`: loads it lazily, applies the
 * env settings once, proves each device with a tiny probe graph, and hands out backends that
 * create `ModelSession`s and release them on dispose.
 *
 * @module
 */

import type { InferenceSession } from "onnxruntime-common";
import type {
  Backend,
  BackendAttempt,
  CreateSessionOptions,
  Device,
  GpuDeviceHandle,
  ModelSession,
  OrtRuntime,
} from "./types.ts";
import { configureOrtEnv, type OrtEnvSettings, type OrtModule, ortWebGpuDevice } from "./_env.ts";
import { OrtModelSession } from "./_session.ts";
import { PROBE_INPUT, PROBE_MODEL } from "./_probe_model.ts";

/** What a concrete runtime adapter supplies. */
export interface RuntimeDefinition {
  name: string;
  devices: readonly Device[];
  /** Imports the onnxruntime package (dynamically, so bundles load it lazily). */
  load(): Promise<OrtModule>;
  env: OrtEnvSettings;
  /** Throws with a reason when the device is plainly absent, before loading anything. */
  precheck?(device: Device): Promise<void> | void;
  /** Whether float16 tensors must hold `Uint16Array` bits (onnxruntime-node). */
  float16AsUint16?: boolean;
  /** The execution providers for a device, in order. */
  executionProviders(device: Device): InferenceSession.ExecutionProviderConfig[];
  /**
   * Whether `webgpu` sessions share the JS-visible `GPUDevice` of `env.webgpu` (onnxruntime-web),
   * so device tensors can be GPU buffers. onnxruntime-node's native provider has none: its device
   * tensors stay in host memory and are copied by the provider on each run.
   */
  jsGpuDevice?: boolean;
  /** Threads of one operator on the CPU (onnxruntime-node); its own choice when absent. */
  intraOpNumThreads?: number;
}

function sessionOptions(
  definition: RuntimeDefinition,
  device: Device,
  options: CreateSessionOptions = {},
): InferenceSession.SessionOptions {
  return {
    executionProviders: definition.executionProviders(device),
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
    ...(definition.intraOpNumThreads === undefined
      ? {}
      : { intraOpNumThreads: definition.intraOpNumThreads }),
    ...(options.externalData ? { externalData: [...options.externalData] } : {}),
  };
}

class RuntimeBackend implements Backend {
  readonly device: Device;
  readonly runtime: string;
  readonly attempts: readonly BackendAttempt[] = [];
  #ort: OrtModule;
  #definition: RuntimeDefinition;
  #sessions = new Set<ModelSession>();

  constructor(ort: OrtModule, definition: RuntimeDefinition, device: Device) {
    this.#ort = ort;
    this.#definition = definition;
    this.device = device;
    this.runtime = definition.name;
  }

  async createSession(
    source: Uint8Array | string,
    options?: CreateSessionOptions,
  ): Promise<ModelSession> {
    const opts = sessionOptions(this.#definition, this.device, options);
    const session = typeof source === "string"
      ? await this.#ort.InferenceSession.create(source, opts)
      : await this.#ort.InferenceSession.create(source, opts);
    const wrapped: ModelSession = new OrtModelSession(this.#ort, session, {
      device: this.device,
      onRelease: () => this.#sessions.delete(wrapped),
      float16AsUint16: this.#definition.float16AsUint16 ?? false,
      gpuBuffers: this.device === "webgpu" && (this.#definition.jsGpuDevice ?? false),
    });
    this.#sessions.add(wrapped);
    return wrapped;
  }

  async gpuDevice(): Promise<GpuDeviceHandle | null> {
    if (this.device !== "webgpu" || !this.#definition.jsGpuDevice) return null;
    return await ortWebGpuDevice(this.#ort) as unknown as GpuDeviceHandle;
  }

  async dispose(): Promise<void> {
    const sessions = [...this.#sessions];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.release()));
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n").find((line) => line.trim() !== "")?.trim() ?? "unknown error";
}

/** An `OrtRuntime` from a definition; the package is imported on the first `open`. */
export function defineRuntime(definition: RuntimeDefinition): OrtRuntime {
  let loading: Promise<OrtModule> | undefined;
  const load = () => {
    loading ??= definition.load().then((ort) => {
      configureOrtEnv(ort, definition.env);
      return ort;
    });
    return loading;
  };
  return {
    name: definition.name,
    devices: definition.devices,
    async open(device: Device): Promise<Backend> {
      if (!definition.devices.includes(device)) {
        throw new Error(`${definition.name} does not offer '${device}'`);
      }
      await definition.precheck?.(device);
      let ort: OrtModule;
      try {
        ort = await load();
      } catch (error) {
        loading = undefined;
        throw new Error(`cannot load ${definition.name}: ${firstLine(error)}`);
      }
      try {
        const probe = await ort.InferenceSession.create(
          PROBE_MODEL,
          sessionOptions(definition, device),
        );
        try {
          const x = new ort.Tensor("float32", PROBE_INPUT.slice(), [1, 4]);
          const y = (await probe.run({ x })).y;
          const data = y?.location === "cpu" ? y.data : await y?.getData(true);
          if (!(data instanceof Float32Array) || data[3] !== 8) {
            throw new Error("the probe graph gave a wrong result");
          }
        } finally {
          await probe.release();
        }
      } catch (error) {
        throw new Error(firstLine(error));
      }
      return new RuntimeBackend(ort, definition, device);
    },
  };
}
