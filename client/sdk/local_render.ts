/**
 * The page side of the render worker: starts it (through a same-origin `blob:` module when the
 * script lives on the API's origin, since browsers refuse cross-origin worker URLs), sends runs,
 * relays progress and turns a lost device or a failed run into a {@linkcode LocalRenderError} the
 * client answers by falling back to the server.
 *
 * @module
 */

import type { HostMessage, WorkerMessage, WorkerProgress, WorkerRun } from "./_protocol.ts";

/** Why local rendering stopped; the client falls back to the server on any of these. */
export class LocalRenderError extends Error {
  /** `unavailable` (the device could not start), `device_lost` or `failed` (a run failed). */
  readonly kind: "unavailable" | "device_lost" | "failed";

  constructor(kind: LocalRenderError["kind"], message: string) {
    super(message);
    this.name = "LocalRenderError";
    this.kind = kind;
  }
}

/** Options of {@linkcode createLocalRenderer}. */
export interface LocalRendererOptions {
  workerUrl: string;
  ortUrl: string;
  device: "webgpu" | "wasm";
  /**
   * How long the worker may take to load before the renderer gives up (`unavailable`, so the
   * client falls back to the server): a worker script that never answers, such as a cached copy
   * older than this SDK, must not leave `generate()` waiting forever.
   * @default {120000}
   */
  loadTimeoutMs?: number;
}

/** Model bytes, fetched only when the worker does not hold the model yet. */
export interface ModelSource {
  key: string;
  load(): Promise<{
    unet: Uint8Array<ArrayBuffer>;
    vaeDecoder: Uint8Array<ArrayBuffer>;
    /** Image to image: the VAE encoder. */
    vaeEncoder?: Uint8Array<ArrayBuffer>;
  }>;
}

/** What a local run gives back. */
export interface LocalImage {
  png: Uint8Array<ArrayBuffer>;
  seed: string;
  timings: { loadMs: number; denoiseMs: number; decodeMs: number };
}

/** A started render worker. */
export interface LocalRenderer {
  readonly device: "webgpu" | "wasm";
  /** Whether the worker already holds the model `key` (no download needed). */
  hasModel(key: string): boolean;
  render(
    model: ModelSource,
    run: WorkerRun,
    options: { signal?: AbortSignal; onProgress?(event: WorkerProgress): void },
  ): Promise<LocalImage>;
  /** Terminates the worker. */
  close(): void;
}

function spawn(url: string): Worker {
  const here = globalThis.location?.origin;
  if (here === undefined || new URL(url).origin === here) {
    return new Worker(url, { type: "module" });
  }
  const source = `import ${JSON.stringify(url)};`;
  const blobUrl = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    return new Worker(blobUrl, { type: "module" });
  } finally {
    setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  }
}

/**
 * Starts the render worker and opens the device in it.
 *
 * @throws {LocalRenderError} `unavailable` when the worker or the device cannot start.
 *
 * @example Usage
 * ```ts ignore
 * const renderer = await createLocalRenderer({ workerUrl, ortUrl, device: "webgpu" });
 * ```
 */
export async function createLocalRenderer(options: LocalRendererOptions): Promise<LocalRenderer> {
  const worker = spawn(options.workerUrl);
  const listeners = new Set<(message: WorkerMessage) => void>();
  let dead: LocalRenderError | null = null;
  const loadTimeoutMs = options.loadTimeoutMs ?? 120_000;
  let loadedKey: string | null = null;
  let nextId = 1;
  const die = (error: LocalRenderError) => {
    if (dead !== null) return;
    dead = error;
    clearTimeout(loadTimer);
    worker.terminate();
    for (const listener of listeners) listener({ type: "init-error", message: error.message });
  };
  // Until the worker says `loaded`; `die` clears it.
  const loadTimer = setTimeout(() => {
    die(
      new LocalRenderError(
        "unavailable",
        `the render worker did not load within ${loadTimeoutMs / 1000} s`,
      ),
    );
  }, loadTimeoutMs);
  worker.addEventListener("message", (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    if (message.type === "device-lost") {
      die(new LocalRenderError("device_lost", `the GPU device was lost (${message.reason})`));
      return;
    }
    for (const listener of listeners) listener(message);
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    die(
      new LocalRenderError(
        "unavailable",
        `the render worker failed: ${event.message || "load error"}`,
      ),
    );
  });
  const post = (message: HostMessage, transfer: Transferable[] = []) =>
    worker.postMessage(message, transfer);

  await new Promise<void>((resolve, reject) => {
    const listener = (message: WorkerMessage) => {
      if (message.type === "loaded") {
        clearTimeout(loadTimer);
        post({ type: "init", device: options.device, ortUrl: options.ortUrl });
        return;
      }
      if (message.type !== "ready" && message.type !== "init-error") return;
      listeners.delete(listener);
      if (message.type === "ready") resolve();
      else {
        die(dead ?? new LocalRenderError("unavailable", message.message));
        reject(dead);
      }
    };
    listeners.add(listener);
  });

  const runOnce = (
    id: number,
    message: HostMessage,
    transfer: Transferable[],
    onProgress?: (event: WorkerProgress) => void,
  ) =>
    new Promise<Extract<WorkerMessage, { type: "result" | "error" }>>((resolve, reject) => {
      const listener = (reply: WorkerMessage) => {
        if (reply.type === "init-error") {
          listeners.delete(listener);
          reject(dead ?? new LocalRenderError("failed", reply.message));
        } else if ("id" in reply && reply.id === id) {
          if (reply.type === "progress") onProgress?.(reply.event);
          else {
            listeners.delete(listener);
            resolve(reply);
          }
        }
      };
      if (dead !== null) reject(dead);
      else {
        listeners.add(listener);
        post(message, transfer);
      }
    });

  return {
    device: options.device,
    hasModel: (key) => loadedKey === key,
    async render(model, run, { signal, onProgress } = {}) {
      if (dead !== null) throw dead;
      signal?.throwIfAborted();
      const id = nextId++;
      let onAbort = () => {};
      const stop = new Promise<never>((_, reject) => {
        onAbort = () => {
          post({ type: "abort", id });
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      stop.catch(() => {});
      try {
        const { cond, uncond } = run.embeddings;
        const transfer: Transferable[] = [cond.buffer, uncond.buffer];
        let message: HostMessage = { type: "run", id, modelKey: model.key, ...run };
        if (loadedKey !== model.key) {
          const bytes = await Promise.race([model.load(), stop]);
          message = { ...message, ...bytes };
          transfer.push(bytes.unet.buffer, bytes.vaeDecoder.buffer);
          if (bytes.vaeEncoder) transfer.push(bytes.vaeEncoder.buffer);
        }
        const reply = await Promise.race([runOnce(id, message, transfer, onProgress), stop]);
        if (reply.type === "error") {
          throw new LocalRenderError("failed", `${reply.name}: ${reply.message}`);
        }
        loadedKey = model.key;
        return { png: reply.png, seed: reply.seed, timings: reply.timings };
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
    },
    close() {
      die(new LocalRenderError("unavailable", "the renderer was closed"));
    },
  };
}
