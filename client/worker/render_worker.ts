/**
 * The render Web Worker: the shared pipeline (`textToImage`) on onnxruntime-web (WebGPU or wasm),
 * off the page's thread. It keeps one model's UNet and VAE sessions between runs, reports steps,
 * encodes the PNG (with its A1111 `parameters` chunk) and reports a lost GPU device at once.
 * Messages are defined in `../sdk/_protocol.ts`.
 *
 * @module
 */

import { toPng } from "../../shared/generation/png.ts";
import { createBackend } from "../../shared/ort/backend.ts";
import type { Backend, GpuDeviceHandle, ModelSession } from "../../shared/ort/types.ts";
import { webRuntime } from "../../shared/ort/web.ts";
import { runGeneration } from "../../shared/pipeline/run_generation.ts";
import type { HostMessage, WorkerMessage } from "../sdk/_protocol.ts";

interface LoadedModel {
  key: string;
  unet: ModelSession;
  vaeDecoder: ModelSession;
  /** Image to image: the VAE encoder, when its bytes were sent. */
  vaeEncoder: ModelSession | null;
}

const scope = globalThis as unknown as {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent<HostMessage>) => void): void;
};

let backend: Backend | null = null;
let model: LoadedModel | null = null;
const devices: GpuDeviceHandle[] = [];
const runs = new Map<number, AbortController>();

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** Watches the backend's current GPU device (once each), so a loss is reported at once. */
async function watchDevice(): Promise<void> {
  const device = await backend?.gpuDevice();
  if (!device || devices.includes(device)) return;
  devices.push(device);
  void device.lost.then((info) => {
    devices.splice(devices.indexOf(device), 1);
    // onnxruntime-web destroys its device itself when its last session is released; only a loss
    // it did not ask for leaves the worker without a GPU.
    if (info.reason === "destroyed") return;
    post({ type: "device-lost", reason: info.reason, message: info.message });
  });
}

async function init(message: Extract<HostMessage, { type: "init" }>): Promise<void> {
  try {
    backend = await createBackend({
      devices: [message.device],
      runtimes: [webRuntime({ wasmPaths: message.ortUrl })],
    });
    post({ type: "ready", device: message.device });
  } catch (error) {
    post({ type: "init-error", message: error instanceof Error ? error.message : String(error) });
  }
}

async function ensureModel(
  message: Extract<HostMessage, { type: "run" }>,
): Promise<LoadedModel | null> {
  if (model?.key === message.modelKey) return model;
  if (message.unet === undefined || message.vaeDecoder === undefined || backend === null) {
    return null;
  }
  if (model !== null) {
    await Promise.all([
      model.unet.release(),
      model.vaeDecoder.release(),
      model.vaeEncoder?.release(),
    ]);
    model = null;
  }
  const unet = await backend.createSession(message.unet);
  const vaeDecoder = await backend.createSession(message.vaeDecoder);
  const vaeEncoder = message.vaeEncoder ? await backend.createSession(message.vaeEncoder) : null;
  await watchDevice();
  model = { key: message.modelKey, unet, vaeDecoder, vaeEncoder };
  return model;
}

async function run(message: Extract<HostMessage, { type: "run" }>): Promise<void> {
  const { id, params, embeddings, model: numbers } = message;
  const abort = new AbortController();
  runs.set(id, abort);
  try {
    const loadStarted = performance.now();
    post({ type: "progress", id, event: { type: "load" } });
    const loaded = await ensureModel(message);
    if (loaded === null) {
      post({ type: "error", id, name: "Error", message: "model not loaded", needsModel: true });
      return;
    }
    const loadMs = performance.now() - loadStarted;
    const { vaeEncoder } = loaded;
    const result = await runGeneration(params, embeddings, {
      schedulerConfig: numbers.schedulerConfig,
      ...(vaeEncoder ? { vaeEncoder: () => Promise.resolve(vaeEncoder) } : {}),
      unet: loaded.unet,
      vaeDecoder: loaded.vaeDecoder,
      scalingFactor: numbers.scalingFactor,
      vaeScaleFactor: numbers.vaeScaleFactor,
      signal: abort.signal,
      onProgress(event) {
        if (event.type === "step") {
          post({
            type: "progress",
            id,
            event: { type: "step", step: event.step, total: event.total },
          });
        } else if (event.type === "decode") {
          post({ type: "progress", id, event: { type: "decode" } });
        }
      },
    });
    const png = new Uint8Array(
      toPng({ images: result.images.slice(0, 1), parameters: params })[0]!,
    );
    post({
      type: "result",
      id,
      png,
      seed: result.seed,
      timings: { loadMs, denoiseMs: result.timings.denoiseMs, decodeMs: result.timings.decodeMs },
    }, [png.buffer]);
  } catch (error) {
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    // A run that dies of a lost device may report before `device.lost` settles: say so now.
    if (/device\b.{0,20}\blost/i.test(message)) {
      post({ type: "device-lost", reason: "unknown", message });
    } else {
      post({ type: "error", id, name, message });
    }
  } finally {
    runs.delete(id);
  }
}

scope.addEventListener("message", (event) => {
  const message = event.data;
  if (message.type === "init") void init(message);
  else if (message.type === "run") void run(message);
  else if (message.type === "abort") runs.get(message.id)?.abort();
});
post({ type: "loaded" });
