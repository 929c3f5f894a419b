/**
 * Backend selection: try each device of an ordered preference list on the runtime that offers it,
 * keep the first that works, and report every failure together when none does.
 *
 * @module
 */

import type { Backend, BackendAttempt, Device, OrtRuntime } from "./types.ts";
import { DEVICES } from "./types.ts";
import { BackendUnavailableError } from "./errors.ts";
import { webRuntime, type WebRuntimeOptions } from "./web.ts";

/** Options of {@linkcode createBackend}. */
export interface CreateBackendOptions extends WebRuntimeOptions {
  /** Devices in order of preference, e.g. `["webgpu", "wasm"]` or `["cuda", "cpu"]`. */
  devices: readonly Device[];
  /**
   * The runtimes to ask, first match wins per device.
   * @default {onnxruntime-web, plus onnxruntime-node (loaded dynamically) on servers}
   */
  runtimes?: readonly OrtRuntime[];
}

function isServer(): boolean {
  return "Deno" in globalThis ||
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
        ?.node === "string";
}

/**
 * onnxruntime-node, imported through a specifier bundlers cannot follow so a browser bundle of
 * this module never contains it. Only servers get this far.
 */
function lazyNodeRuntime(): OrtRuntime {
  let runtime: Promise<OrtRuntime> | undefined;
  return {
    name: "onnxruntime-node",
    devices: ["cuda", "cpu"],
    async open(device) {
      if (!isServer()) throw new Error("onnxruntime-node only runs on servers (Deno, Node)");
      runtime ??= (async () => {
        const url = new URL("./node.ts", import.meta.url).href;
        const mod = await import(url) as typeof import("./node.ts");
        return mod.nodeRuntime();
      })();
      return (await runtime).open(device);
    },
  };
}

/**
 * Opens the first device of `options.devices` that works here.
 *
 * @throws {BackendUnavailableError} when none works; it lists every attempt and its reason.
 * @throws {TypeError} when the list is empty or names an unknown device.
 *
 * @example CPU on a server, falling back from CUDA
 * ```ts
 * import { createBackend } from "./mod.ts";
 *
 * const backend = await createBackend({ devices: ["cuda", "cpu"] });
 * const session = await backend.createSession("unet/model.onnx");
 * console.log(backend.device, session.inputs.map((i) => i.name));
 * await backend.dispose();
 * ```
 */
export async function createBackend(options: CreateBackendOptions): Promise<Backend> {
  const { devices } = options;
  if (!Array.isArray(devices) || devices.length === 0) {
    throw new TypeError("Cannot create a backend as 'devices' must list at least one device");
  }
  for (const device of devices) {
    if (!DEVICES.includes(device)) {
      throw new TypeError(
        `Cannot create a backend as device '${device}' is unknown: expected one of ${
          DEVICES.join(", ")
        }`,
      );
    }
  }
  const runtimes = options.runtimes ?? [
    webRuntime({
      ...(options.wasmPaths !== undefined ? { wasmPaths: options.wasmPaths } : {}),
      ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
    }),
    lazyNodeRuntime(),
  ];
  const attempts: BackendAttempt[] = [];
  for (const device of devices) {
    const runtime = runtimes.find((r) => r.devices.includes(device));
    if (!runtime) {
      attempts.push({ device, runtime: "none", reason: "no runtime offers this device" });
      continue;
    }
    try {
      const backend = await runtime.open(device);
      return attempts.length === 0 ? backend : withAttempts(backend, attempts);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      attempts.push({ device, runtime: runtime.name, reason });
    }
  }
  throw new BackendUnavailableError(attempts);
}

function withAttempts(backend: Backend, attempts: readonly BackendAttempt[]): Backend {
  const frozen = Object.freeze([...attempts]);
  return {
    device: backend.device,
    runtime: backend.runtime,
    attempts: frozen,
    createSession: (source, options) => backend.createSession(source, options),
    gpuDevice: () => backend.gpuDevice(),
    dispose: () => backend.dispose(),
  };
}
