/**
 * Messages between the SDK (page thread) and the render worker. Model bytes, embeddings and the
 * PNG cross as transferred buffers, never copies.
 *
 * @module
 */

import type { GenerationParams } from "../../shared/generation/params.ts";
import type { ModelManifest } from "../../shared/manifest.ts";
import type { PromptEmbeddings } from "../../shared/pipeline/types.ts";

/** What the worker runs: the resolved generation, its prompt embeddings and the model's numbers. */
export type WorkerRun = {
  params: GenerationParams;
  embeddings: PromptEmbeddings;
  model: Pick<ModelManifest, "schedulerConfig" | "scalingFactor" | "vaeScaleFactor">;
};

/** Page → worker. */
export type HostMessage =
  | { type: "init"; device: "webgpu" | "wasm"; ortUrl: string }
  | {
    type: "run";
    id: number;
    /** Identifies the model files; the bytes are sent only when the worker lacks them. */
    modelKey: string;
    unet?: Uint8Array<ArrayBuffer>;
    vaeDecoder?: Uint8Array<ArrayBuffer>;
    /** Image to image: the VAE encoder (part of the model key when sent). */
    vaeEncoder?: Uint8Array<ArrayBuffer>;
  }
    & WorkerRun
  | { type: "abort"; id: number };

/** Progress the worker reports for a run. */
export type WorkerProgress =
  | { type: "load" }
  | { type: "step"; step: number; total: number }
  | { type: "decode" };

/** Worker → page. */
export type WorkerMessage =
  /**
   * The worker's message listener is in place: the page sends `init` only after this. A worker
   * module still in a top-level `await` drops messages posted to it (Deno does), so a page that
   * posted at once could wait forever.
   */
  | { type: "loaded" }
  | { type: "ready"; device: "webgpu" | "wasm" }
  | { type: "init-error"; message: string }
  | { type: "progress"; id: number; event: WorkerProgress }
  | {
    type: "result";
    id: number;
    png: Uint8Array<ArrayBuffer>;
    seed: string;
    timings: { loadMs: number; denoiseMs: number; decodeMs: number };
  }
  /** The run failed; `needsModel` when the worker has no model for `modelKey`. */
  | { type: "error"; id: number; name: string; message: string; needsModel?: boolean }
  /** The GPU device is gone (driver reset, `destroy()`); the worker is unusable. */
  | { type: "device-lost"; reason: string; message: string };
